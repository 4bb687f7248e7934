// The shared contract (test/contract/cases.cjs) through an MSW handler in Node: the same cases, with
// `mockWs()` building a toMswHandler mock and `connect` opening the global WebSocket that MSW patches.
import { describe, expect as vitestExpect, test } from 'vitest'
import { expect } from '../../src/integrations/vitest.js'
import { cases } from '../contract/cases.cjs'
import type { ContractClient, ContractContext } from '../contract/cases.cjs'
import { connectGlobal } from './support/global-client.js'
import type { MswHandlerOptions } from '../../src/integrations/msw.js'
import { MswBuilder } from './support/msw-builder.js'
import { useMswServer } from './support/msw-node.js'

const msw = useMswServer()

async function connect(mock: { url: string }): Promise<ContractClient> {
  const client = await connectGlobal(mock.url)
  return {
    send: (text) => client.send(text),
    next: () => client.next(),
    closed: client.closed.then(({ code, reason }) => ({ code, reason })),
    close: () => client.close(),
  }
}

describe('contract through toMswHandler (Node, setupServer)', () => {
  for (const c of cases) {
    test(c.name, async () => {
      // The cases are typed against the real builder; the MSW builder has the members they use.
      const mockWs = ((options?: MswHandlerOptions) => new MswBuilder((handler) => msw.server.use(handler), options)) as unknown as ContractContext['mockWs']
      await c.run({ mockWs, expect, connect: connect as ContractContext['connect'] })
    })
  }
})

describe('contract through toMswHandler: teardown (the MSW form of the port-based teardown pair)', () => {
  const timeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
  const state: { mock?: { closed: boolean; connections: readonly unknown[] }; client?: Awaited<ReturnType<typeof connectGlobal>>; before?: number; during?: number } = {}
  test('teardown (1/2): a test leaves its MSW mock and a client open', async () => {
    state.before = timeouts()
    const mock = await new MswBuilder((handler) => msw.server.use(handler)).waitFor('never', { timeoutMs: 60_000 })
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
