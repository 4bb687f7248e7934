'use strict'
// What `require('mockforge-ws/vitest/setup')` loads: Vitest runs only as ES modules, so say so instead of failing inside Vitest.
const { MockWsError } = require('../dist/index.cjs')

throw new MockWsError(
  'WSM_CONFIG',
  "Failed to load mockforge-ws/vitest/setup: Vitest cannot be loaded with require(). List it in Vitest's setupFiles (setupFiles: ['mockforge-ws/vitest/setup']) or import it from an ES module.",
)
