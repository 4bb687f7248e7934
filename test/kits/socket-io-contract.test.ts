// The Socket.IO kit's contract cases (test/contract/socket-io-cases.cjs) through Vitest, with
// mockforge-ws/vitest/setup registering the matchers and closing every mock after each test.
import { describe, expect, test } from 'vitest'
import '../../src/integrations/vitest-setup.js'
import { liveMockCount } from '../../src/index.js'
import { ioEvent, mockSocketIo } from '../../src/kits/socket-io/index.js'
import { cases, teardownCases } from '../contract/socket-io-cases.cjs'

describe('socket.io kit contract through mockforge-ws/vitest/setup', () => {
  for (const c of [...cases, ...teardownCases()]) {
    test(c.name, async () => {
      await c.run({ mockSocketIo, expect, ioEvent, liveMockCount })
    })
  }
})
