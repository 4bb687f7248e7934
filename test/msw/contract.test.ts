// The shared contract (test/contract/cases.cjs) through an MSW handler in Node: the same cases on the real
// `mockWs()` builder, served by `toMswHandler(url, builder)` instead of a server; `connect` opens the global
// WebSocket that MSW patches.
import { describe, expect as vitestExpect, test } from 'vitest'
import { closeAllMocks, mockWs, ScenarioFailureError, type MockWsBuilder } from '../../src/index.js'
import { expect } from '../../src/integrations/vitest.js'
import { toMswHandler, type MswWsMock } from '../../src/integrations/msw.js'
import { cases, sessionCases } from '../contract/cases.cjs'
import type { ContractClient, ContractContext } from '../contract/cases.cjs'
import { connectGlobal } from './support/global-client.js'
import { useMswServer } from './support/msw-node.js'

const msw = useMswServer()
let served = 0

async function connect(mock: { url: string }): Promise<ContractClient> {
  const client = await connectGlobal(mock.url)
  return {
    send: (text) => client.send(text),
    next: () => client.next(),
    closed: client.closed.then(({ code, reason }) => ({ code, reason })),
    close: () => client.close(),
  }
}

/** Serves a `mockWs()` builder through MSW on a fresh URL. */
async function start(builder: MockWsBuilder): Promise<MswWsMock> {
  const mock = await toMswHandler(`wss://contract.example/contract/${++served}`, builder)
  msw.server.use(mock.handler)
  return mock
}

const context = { mockWs, start, expect, connect: connect as ContractContext['connect'], ScenarioFailureError, closeAllMocks }

describe('contract through toMswHandler (Node, setupServer, the real mockWs() builder)', () => {
  for (const c of cases) test(c.name, () => c.run(context))
  for (const c of sessionCases) test(c.name, () => c.run(context))
})

describe('contract through toMswHandler: teardown (the MSW form of the port-based teardown pair)', () => {
  const timeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
  const state: { mock?: { closed: boolean; connections: readonly unknown[] }; client?: Awaited<ReturnType<typeof connectGlobal>>; before?: number; during?: number } = {}
  test('teardown (1/2): a test leaves its MSW mock and a client open', async () => {
    state.before = timeouts()
    const mock = await start(mockWs().waitFor('never', { timeoutMs: 60_000 }))
    state.client = await connectGlobal(mock.url)
    await mock.nextConnection()
    state.mock = mock
    state.during = timeouts()
    vitestExpect(mock.closed).toBe(false)
    // The scenario's 60 s wait is a live timer now; the next test proves it is gone.
    vitestExpect(state.during).toBeGreaterThan(state.before)
  })
  test('teardown (2/2): afterEach closed it: the client saw 1001, no connection or wait timer is left', async () => {
    vitestExpect(state.mock?.closed).toBe(true)
    vitestExpect(state.mock?.connections).toEqual([])
    vitestExpect(await state.client?.closed).toMatchObject({ code: 1001, reason: 'mock server closed' })
    // Only the runner's own timers (the same as before the mock existed) are left.
    vitestExpect(timeouts()).toBeLessThanOrEqual(state.before ?? 0)
  })
})
