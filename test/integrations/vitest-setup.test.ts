// The shared contract through plain imports: core mockWs, with mockforge-ws/vitest/setup registering the matchers
// and closing every mock after each test (what `setupFiles: ['mockforge-ws/vitest/setup']` does).
import { describe, expect, test } from 'vitest'
import '../../src/integrations/vitest-setup.js'
import { liveMockCount, mockWs } from '../../src/index.js'
import { cases, teardownCases } from '../contract/cases.cjs'
import { connectNode } from '../contract/node-client.cjs'

describe('contract through mockforge-ws/vitest/setup', () => {
  for (const c of [...cases, ...teardownCases()]) {
    test(c.name, async () => {
      await c.run({ mockWs, expect, connect: connectNode, liveMockCount })
    })
  }
})
