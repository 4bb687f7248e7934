// MSW mocks are tracked with every other mock: closeAllMocks() closes them, and the runner teardowns reach them.
import { expect, test } from 'vitest'
import { closeAllMswMocks, toMswHandler } from '../../src/integrations/msw.js'
import { closeAllMocks, liveMockCount, mockWs } from '../../src/index.js'
import { connectGlobal } from './support/global-client.js'
import { useMswServer } from './support/msw-node.js'

const msw = useMswServer()

test('closeAllMocks() closes MSW mocks and real-socket mocks alike, closing their clients with 1001', async () => {
  const before = liveMockCount()
  const chat = await toMswHandler('wss://registry.example/ws')
  msw.server.use(chat.handler)
  const real = await mockWs()
  expect(liveMockCount()).toBe(before + 2)
  const client = await connectGlobal('wss://registry.example/ws')
  await chat.nextConnection()
  await closeAllMocks()
  expect([chat.closed, real.closed]).toEqual([true, true])
  expect(liveMockCount()).toBe(before)
  expect((await client.closed).code).toBe(1001)
})

test('closeAllMswMocks is an alias of closeAllMocks', () => {
  expect(closeAllMswMocks).toBe(closeAllMocks)
})
