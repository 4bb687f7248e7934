// The shared contract (test/contract/cases.cjs) through Jest: core mockWs plus the mockforge-ws/jest setup module.
const { mockWs, liveMockCount } = require('mockforge-ws')
const { cases, teardownCases } = require('../contract/cases.cjs')
const { connectNode } = require('../contract/node-client.cjs')

describe('contract through Jest (setupFilesAfterEnv: mockforge-ws/jest)', () => {
  for (const c of [...cases, ...teardownCases()]) {
    test(c.name, async () => {
      await c.run({ mockWs, expect, connect: connectNode, liveMockCount })
    })
  }
})
