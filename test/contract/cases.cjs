'use strict'
// The one contract every test-runner integration must pass (Vitest, Jest, Playwright, and any later adapter).
// Plain CommonJS on purpose: Jest's CJS test files require it, Vitest and Playwright import it.
//
// A case is `{ name, run(ctx) }`; `ctx` is what the runner wires in:
//   mockWs(options?)  → a builder that is closed after the test (the runner's fixture, or core mockWs + its setup module)
//   expect            → the runner's expect with the mockforge-ws matchers registered
//   connect(mock)     → a client connected to the mock: { send(text), next(): Promise<string>, closed, close() }
//                       (`closed` resolves with { code, reason }; `close()` closes with 1000 and waits)
//                       (a `ws` client, a page in Chromium, a routed page…: the case does not care)
//   liveMockCount()   → optional: the core's count of mocks not yet closed, for the teardown check
//
// `sessionCases` (run through the `ws` server, a router and MSW: test/server/contract.test.ts, test/msw/contract.test.ts)
// also take:
//   start(builder)       → the mock that serves a `mockWs()` builder (default: awaiting it, a real server)
//   ScenarioFailureError → the class strict failures must be instances of (from the module copy the runner uses)
//   closeAllMocks()      → the core's closeAllMocks
// The cases also run in a browser page (e2e/msw.spec.ts, bundled without Node shims): nothing Node-only is loaded
// at the top, and node:net is required by the port check alone (a non-literal specifier, so bundlers skip it).
const NODE_NET = 'node:net'

/** Resolves after `ms`: the poll interval of waitUntil, on the global timers of Node and of a page alike. */
function pause(ms) {
  return new Promise((resolve) => {
    setTimeout(resolve, ms)
  })
}

/** How long a case waits for something the server does in reaction to a client (generous for a busy 2-core CI box). */
const REACTION_MS = 3000

/** Polls `check` until it returns true or `timeoutMs` passes; never a fixed sleep. */
async function waitUntil(check, what, timeoutMs = REACTION_MS) {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting until ${what}`)
    await pause(5)
  }
}

/** A runner's message without its colours. */
function plain(text) {
  return String(text).replace(/\u001b\[[0-9;]*m/g, '')
}

/** Resolves true when something accepts TCP connections on 127.0.0.1:port. */
function portAcceptsConnections(port) {
  return new Promise((resolve) => {
    const socket = require(NODE_NET).connect({ port, host: '127.0.0.1' })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** Socket and server handles alive in this process. */
function tcpHandles() {
  const names = process.getActiveResourcesInfo()
  return {
    sockets: names.filter((n) => n === 'TCPSocketWrap').length,
    servers: names.filter((n) => n === 'TCPServerWrap').length,
  }
}

/** The default `start`: awaiting the builder starts a real server. */
const identity = (builder) => builder

const cases = [
  {
    name: 'connect: a client reaches the mock, which echoes and counts the connection',
    async run({ mockWs, expect, connect, start = identity }) {
      const ws = await start(mockWs())
      const client = await connect(ws)
      const conn = await ws.nextConnection()
      expect(ws).toHaveConnections(1)
      client.send('hello')
      expect(await client.next()).toBe('hello')
      await expect(ws).toReceiveMessage('hello')
      expect(ws).toHaveSentMessage('hello')
      await client.close()
      await conn.closed
      expect(ws).toHaveConnections(0)
    },
  },
  {
    name: 'replay: entries play in order, wait for the client, expand templates and close',
    async run({ mockWs, expect, connect, start = identity }) {
      const ws = await start(
        mockWs().replay([
          { ts: 0, dir: 'out', text: '{"type":"welcome","n":{{seq}}}' },
          { ts: 0, dir: 'in', match: '"type":"subscribe"' },
          { ts: 5, dir: 'out', text: '{"type":"price","value":1}' },
          { ts: 10, dir: 'out', text: '{"type":"price","value":2}', close: { code: 1000, reason: 'done' } },
        ]),
      )
      const client = await connect(ws)
      expect(JSON.parse(await client.next())).toEqual({ type: 'welcome', n: 1 })
      client.send('{"type":"subscribe","channel":"prices"}')
      expect(await client.next()).toBe('{"type":"price","value":1}')
      expect(await client.next()).toBe('{"type":"price","value":2}')
      expect(await client.closed).toEqual({ code: 1000, reason: 'done' })
      expect(ws).toHaveReceivedMessage({ type: 'subscribe', channel: 'prices' })
      expect(ws).toHaveSentMessage({ type: 'price', value: 2 })
      expect(ws).toHaveNoFailures()
    },
  },
  {
    name: 'scenario: waitFor, send, expect a JSON subset, send',
    async run({ mockWs, expect, connect, start = identity }) {
      const ws = await start(
        mockWs()
          .waitFor(/^READY$/)
          .send('{"type":"welcome"}')
          .expect({ type: 'subscribe' })
          .send('{"type":"subscribed"}'),
      )
      const client = await connect(ws)
      client.send('noise before ready')
      client.send('READY')
      expect(await client.next()).toBe('{"type":"welcome"}')
      client.send('{"type":"subscribe","topic":"a"}')
      expect(await client.next()).toBe('{"type":"subscribed"}')
      expect(ws).toHaveReceivedMessages(['READY', { type: 'subscribe' }])
      expect(ws).not.toHaveReceivedMessages([{ type: 'subscribe' }, 'READY'])
      expect(ws).toHaveNoFailures()
      await client.close()
    },
  },
  {
    name: 'matchers: every matcher kind, claiming, .not and readable failures',
    async run({ mockWs, expect, connect, start = identity }) {
      const ws = await start(mockWs())
      const client = await connect(ws)
      client.send('{"type":"order","id":7,"items":[1,2]}')
      client.send('PING 42')
      // Both echoes are back, so both messages were received before the assertions below start: no race.
      await client.next()
      await client.next()
      await expect(ws).toReceiveMessage({ type: 'order', items: [1, 2] })
      await expect(ws).toReceiveMessage(/^PING \d+$/)
      // Each message satisfies one toReceiveMessage: the PING was claimed above.
      await expect(ws).not.toReceiveMessage(/^PING/, { timeout: 50 })
      expect(ws).toHaveReceivedMessage('PING 42')
      expect(ws).toHaveReceivedMessage(function hasId7(_text, parsed) {
        return parsed !== undefined && parsed.id === 7
      })
      expect(ws).not.toHaveReceivedMessage('PONG')
      expect(ws).toHaveSentMessage(/^PING/)
      expect(ws).not.toHaveSentMessage({ type: 'nope' })
      expect(ws).toHaveConnections(1)
      expect(ws).not.toHaveConnections(2)
      expect(ws).toHaveNoFailures()
      // A message sent after the assertion started is found too.
      const later = expect(ws).toReceiveMessage('late')
      client.send('late')
      await later
      let failure
      try {
        await expect(ws).toReceiveMessage({ type: 'cancel' }, { timeout: 30 })
      } catch (error) {
        failure = error
      }
      expect(plain(failure && failure.message)).toContain('Expected: a client message matching {"type":"cancel"} within 30 ms')
      await client.close()
    },
  },
  {
    name: 'strict failure: close() rejects with a report of the step, the expectation and the transcript',
    async run({ mockWs, expect, connect, start = identity }) {
      const ws = await start(mockWs({ strict: true }).expect({ type: 'hello' }).send('welcome'))
      const client = await connect(ws)
      client.send('{"type":"goodbye"}')
      await waitUntil(() => ws.failures.length > 0, 'the mock records the unexpected message')
      expect(ws).not.toHaveNoFailures()
      let error
      try {
        await ws.close()
      } catch (e) {
        error = e
      }
      expect(error && error.name).toBe('ScenarioFailureError')
      expect(error.message).toContain('unexpected message')
      expect(error.message).toContain('expected: expect({"type":"hello"})')
      expect(error.message).toContain('goodbye')
    },
  },
]

/** Fixed 60 ms latency: long enough to measure on a busy box, short enough to keep the case quick. */
const LATENCY_MS = 60

/** Cases of what the session does on every transport: latency, drops, captures, strict failures, closeAllMocks(). */
const sessionCases = [
  {
    name: 'latency: server messages are delayed by the profile, in order',
    async run({ mockWs, start, expect, connect }) {
      const ws = await start(mockWs().latency({ distribution: 'fixed', baseMs: LATENCY_MS }).expect('go').send('a').send('b'))
      const client = await connect(ws)
      const asked = Date.now()
      client.send('go')
      expect(await client.next()).toBe('a')
      const waited = Date.now() - asked
      expect(await client.next()).toBe('b')
      // Timers may fire a millisecond early by Date.now(); late is fine on a loaded machine.
      expect(LATENCY_MS - 5 <= waited).toBe(true)
      expect(ws).toHaveNoFailures()
      await client.close()
    },
  },
  {
    name: 'dropMessages: lost messages never reach the client nor the transcript; the close still does',
    async run({ mockWs, start, expect, connect }) {
      const ws = await start(mockWs({ seed: 7 }).dropMessages(1).send('lost 1').send('lost 2').close(4000, 'after the drops'))
      const client = await connect(ws)
      expect(await client.closed).toEqual({ code: 4000, reason: 'after the drops' })
      expect(ws).not.toHaveSentMessage('lost 1')
      expect(ws.sent.length).toBe(0)
    },
  },
  {
    name: 'dropConnection: the script drops the connection; the client sees 1006 after the message before it',
    async run({ mockWs, start, expect, connect }) {
      const ws = await start(mockWs().send('partial').dropConnection())
      const client = await connect(ws)
      expect(await client.next()).toBe('partial')
      expect((await client.closed).code).toBe(1006)
      expect(ws.toReplay().map((e) => e.close && e.close.code)).toContain(1006)
    },
  },
  {
    name: 'captures: a value the client sent comes back through {{match.NAME}}',
    async run({ mockWs, start, expect, connect }) {
      const ws = await start(
        mockWs().replay([
          { ts: 0, dir: 'in', json: { type: 'join' }, capture: { room: '$.room' } },
          { ts: 0, dir: 'out', text: '{"type":"joined","room":"{{match.room}}"}' },
        ]),
      )
      const client = await connect(ws)
      client.send('{"type":"join","room":"r-42"}')
      expect(JSON.parse(await client.next())).toEqual({ type: 'joined', room: 'r-42' })
      expect(ws).toHaveNoFailures()
      await client.close()
    },
  },
  {
    name: 'strict failure: close() rejects with a ScenarioFailureError (instanceof), on every transport',
    async run({ mockWs, start, expect, connect, ScenarioFailureError }) {
      const ws = await start(mockWs({ strict: true }).expect('hello'))
      const client = await connect(ws)
      client.send('goodbye')
      await waitUntil(() => ws.failures.length > 0, 'the mock records the unexpected message')
      let error
      try {
        await ws.close()
      } catch (e) {
        error = e
      }
      expect(error instanceof ScenarioFailureError).toBe(true)
      expect(error.code).toBe('WSM_STRICT_FAILURES')
      expect(error.failures.map((f) => f.kind)).toEqual(['unexpected-message'])
    },
  },
  {
    name: 'closeAllMocks() closes the mock: its client sees 1001',
    async run({ mockWs, start, expect, connect, closeAllMocks }) {
      const ws = await start(mockWs())
      const client = await connect(ws)
      await ws.nextConnection()
      await closeAllMocks()
      expect(ws.closed).toBe(true)
      expect(await client.closed).toEqual({ code: 1001, reason: 'mock server closed' })
      expect(ws.connections.length).toBe(0)
    },
  },
]

/**
 * Two cases that must run one after the other in the same worker: the first leaves a mock (and its client)
 * open, the second proves the integration's automatic teardown closed it and left no handle behind.
 */
function teardownCases() {
  const state = {}
  return [
    {
      name: 'teardown (1/2): a test leaves its mock open',
      async run({ mockWs, expect, connect }) {
        state.before = tcpHandles()
        const ws = await mockWs()
        state.client = await connect(ws)
        await ws.nextConnection()
        state.mock = ws
        state.port = ws.port
        expect(await portAcceptsConnections(ws.port)).toBe(true)
      },
    },
    {
      name: 'teardown (2/2): the next test finds it closed, its port free and no handle left',
      async run({ expect, liveMockCount }) {
        expect(state.mock).toBeDefined()
        expect(state.mock.closed).toBe(true)
        expect(await portAcceptsConnections(state.port)).toBe(false)
        if (liveMockCount) expect(liveMockCount()).toBe(0)
        // The client saw the server go away (1001), so the close came from the teardown, not from a timeout.
        expect(await state.client.closed).toEqual({ code: 1001, reason: 'mock server closed' })
        // The mock's own handles are gone when close() resolves; the client's socket is released by Node a moment
        // after its close event, so give that one a bounded wait.
        await waitUntil(() => tcpHandles().sockets <= state.before.sockets, 'the client socket is released', 1000).catch(() => {})
        const after = tcpHandles()
        expect(after.servers).toBeLessThanOrEqual(state.before.servers)
        expect(after.sockets).toBeLessThanOrEqual(state.before.sockets)
      },
    },
  ]
}

module.exports = { cases, sessionCases, teardownCases, plain, waitUntil, portAcceptsConnections, tcpHandles, REACTION_MS }
