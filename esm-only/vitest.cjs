'use strict'
// What `require('mockforge-ws/vitest')` loads: Vitest runs only as ES modules, so say so instead of failing inside Vitest.
const { MockWsError } = require('../dist/index.cjs')

throw new MockWsError(
  'WSM_CONFIG',
  "Failed to load mockforge-ws/vitest: Vitest cannot be loaded with require(). Import it from an ES module instead: import { test } from 'mockforge-ws/vitest' (Vitest runs test files as ES modules, whatever your package's type).",
)
