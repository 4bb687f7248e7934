// The Socket.IO kit's contract cases through Jest: mockforge-ws/socket.io from the built package, with the
// setupFilesAfterEnv module mockforge-ws/jest closing every mock after each test.
const { liveMockCount } = require('mockforge-ws')
const { mockSocketIo, ioEvent } = require('mockforge-ws/socket.io')
const { cases, teardownCases } = require('../contract/socket-io-cases.cjs')

describe('socket.io kit contract through Jest (setupFilesAfterEnv: mockforge-ws/jest)', () => {
  for (const c of [...cases, ...teardownCases()]) {
    test(c.name, async () => {
      await c.run({ mockSocketIo, expect, ioEvent, liveMockCount })
    })
  }
})
