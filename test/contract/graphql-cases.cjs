'use strict'
// The shared contract cases that make sense for the GraphQL-over-WebSocket kit (mockforge-ws/graphql), run by
// Vitest, Jest and Playwright like cases.cjs. The client is graphql-ws's own createClient on the `ws` package, in
// Node, with its default options (random ids, lazy connection) unless a case says why not.
//
// `ctx` is what the runner wires in:
//   mockGraphqlWs(options?) → a mockGraphqlWs() builder whose mock the runner closes after the test
//   expect                  → the runner's expect with the mockforge-ws matchers registered
//   liveMockCount()         → optional: the core's count of mocks not yet closed
const { createClient } = require('graphql-ws')
const WebSocket = require('ws')
const { waitUntil, portAcceptsConnections, tcpHandles } = require('./cases.cjs')

const PRICE = 'subscription OnPrice { price }'

/** Subscribes and resolves with the results once the operation completes, or with the error it ended with. */
function collect(client, payload) {
  return new Promise((resolve) => {
    const values = []
    client.subscribe(payload, {
      next: (value) => values.push(value),
      error: (error) => resolve({ values, error }),
      complete: () => resolve({ values }),
    })
  })
}

const graphqlCases = [
  {
    name: 'graphql: a subscription streams two results to graphql-ws createClient, then completes; matchers read the protocol messages',
    async run({ mockGraphqlWs, expect }) {
      const gql = await mockGraphqlWs().onSubscribe('OnPrice', [{ data: { price: 1 } }, { data: { price: 2 } }], { intervalMs: 5 })
      const client = createClient({ url: gql.url, webSocketImpl: WebSocket })
      const outcome = await collect(client, { query: PRICE })
      expect(outcome).toEqual({ values: [{ data: { price: 1 } }, { data: { price: 2 } }] })
      expect(gql.operations.length).toBe(1)
      expect(gql.operations[0].operationName).toBe('OnPrice')
      await expect(gql).toReceiveMessage({ type: 'connection_init' })
      await expect(gql).toReceiveMessage({ type: 'subscribe', payload: { query: PRICE } })
      expect(gql).toHaveReceivedMessages([{ type: 'connection_init' }, { type: 'subscribe' }])
      expect(gql).toHaveSentMessage({ type: 'next', id: gql.operations[0].id, payload: { data: { price: 2 } } })
      expect(gql).toHaveSentMessage({ type: 'complete', id: gql.operations[0].id })
      expect(gql).not.toHaveSentMessage({ type: 'error' })
      expect(gql).toHaveNoFailures()
      await client.dispose()
      await waitUntil(() => gql.connections.length === 0, 'the client has gone')
      expect(gql).toHaveConnections(0)
    },
  },
  {
    name: 'graphql strict failure: an unknown operation gets an error naming the known ones, and close() rejects with a report',
    async run({ mockGraphqlWs, expect }) {
      const gql = await mockGraphqlWs({ strict: true }).onSubscribe('OnPrice', [{ data: { price: 1 } }]).onQuery(/query\s+Me/, { data: { me: null } })
      const client = createClient({ url: gql.url, webSocketImpl: WebSocket })
      const outcome = await collect(client, { query: 'subscription OnWeather { temp }' })
      expect(outcome.values).toEqual([])
      expect(outcome.error[0].message).toContain('no mock for operation "OnWeather". Known operations: "OnPrice", /query\\s+Me/.')
      expect(gql).not.toHaveNoFailures()
      await client.dispose()
      let error
      try {
        await gql.close()
      } catch (e) {
        error = e
      }
      expect(error && error.name).toBe('ScenarioFailureError')
      expect(error.message).toContain('unexpected message')
      expect(error.message).toContain('expected: a subscribe for one of: "OnPrice", /query\\s+Me/')
      expect(error.message).toContain('OnWeather')
    },
  },
]

/**
 * Two cases that must run one after the other in the same worker: the first leaves a kit mock and a connected
 * graphql-ws client open, the second proves the runner's teardown closed it and left no handle behind.
 */
function graphqlTeardownCases() {
  const state = {}
  return [
    {
      name: 'graphql teardown (1/2): a test leaves its kit mock open with a client subscribed',
      async run({ mockGraphqlWs, expect }) {
        state.before = tcpHandles()
        const gql = await mockGraphqlWs().onSubscribe('OnPrice', Array.from({ length: 1000 }, () => ({ data: { price: 1 } })), { intervalMs: 20 })
        // No retries: a default client would reconnect after the teardown's 1001 and keep timers of its own.
        const client = createClient({ url: gql.url, webSocketImpl: WebSocket, retryAttempts: 0 })
        state.closed = new Promise((resolve) => client.on('closed', (event) => resolve({ code: event.code, reason: event.reason })))
        state.stream = collect(client, { query: PRICE })
        await waitUntil(() => gql.sent.some((f) => f.text && f.text.includes('"type":"next"')), 'the stream has started')
        state.client = client
        state.mock = gql
        state.port = gql.port
        expect(await portAcceptsConnections(gql.port)).toBe(true)
      },
    },
    {
      name: 'graphql teardown (2/2): the next test finds the kit mock closed, its port free and no handle left',
      async run({ expect, liveMockCount }) {
        expect(state.mock).toBeDefined()
        expect(state.mock.closed).toBe(true)
        expect(await portAcceptsConnections(state.port)).toBe(false)
        if (liveMockCount) expect(liveMockCount()).toBe(0)
        expect(await state.closed).toEqual({ code: 1001, reason: 'mock server closed' })
        const outcome = await state.stream
        expect(outcome.error).toBeDefined()
        await state.client.dispose()
        await waitUntil(() => tcpHandles().sockets <= state.before.sockets, 'the client socket is released', 1000).catch(() => {})
        const after = tcpHandles()
        expect(after.servers).toBeLessThanOrEqual(state.before.servers)
        expect(after.sockets).toBeLessThanOrEqual(state.before.sockets)
      },
    },
  ]
}

module.exports = { graphqlCases, graphqlTeardownCases }
