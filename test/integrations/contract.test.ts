// The shared contract (test/contract/cases.cjs) through Vitest: the `mockWs` fixture of mockforge-ws/vitest.
import { describe } from 'vitest'
import { liveMockCount } from '../../src/index.js'
import { expect, test } from '../../src/integrations/vitest.js'
import { cases, teardownCases } from '../contract/cases.cjs'
import { connectNode } from '../contract/node-client.cjs'

describe('contract through the Vitest fixture', () => {
  for (const c of [...cases, ...teardownCases()]) {
    test(c.name, async ({ mockWs }) => {
      await c.run({ mockWs, expect, connect: connectNode, liveMockCount })
    })
  }
})
