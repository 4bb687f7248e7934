'use strict'
// The contract cases that make sense for the Socket.IO kit (mockforge-ws/socket.io), run by Vitest, Jest and
// Playwright like cases.cjs: the matchers, a strict failure, and the runner's automatic teardown.
//
// `ctx` is what the runner wires in:
//   mockSocketIo(options?) → the kit's builder; the runner's integration must close what it starts
//   expect                 → the runner's expect with the mockforge-ws matchers registered
//   ioEvent                → the kit's event matcher (from the same copy of the package as mockSocketIo)
//   liveMockCount()        → the core's count of mocks not yet closed
const { connectSio } = require('../kits/sio-client.cjs')
const { waitUntil, portAcceptsConnections, tcpHandles } = require('./cases.cjs')

const cases = [
  {
    name: 'socket.io: a client emits, the script answers with an ack and events, the matchers see them',
    async run({ mockSocketIo, expect, ioEvent }) {
      const io = await mockSocketIo({ strict: true })
        .expectEmit('join', { room: 'lobby' }, { ack: ['joined'] })
        .emit('welcome', { n: '{{seq}}' })
      const client = connectSio(io.url)
      try {
        await client.connected
        expect(await client.socket.timeout(3000).emitWithAck('join', { room: 'lobby' })).toBe('joined')
        expect(await client.next('welcome')).toEqual([{ n: '1' }])
        await expect(io).toReceiveMessage(ioEvent('join', { room: 'lobby' }, { ack: true }))
        await expect(io).not.toReceiveMessage(ioEvent('join'), { timeout: 30 })
        expect(io).toHaveSentMessage(ioEvent('welcome', { n: '1' }))
        expect(io).toHaveConnections(1)
        expect(io).toHaveNoFailures()
        expect(io.events.map((e) => `${e.dir} ${e.event}`)).toEqual(['in join', 'out welcome'])
      } finally {
        await client.close()
      }
    },
  },
  {
    name: 'socket.io strict failure: close() rejects with a report naming the step and the frames',
    async run({ mockSocketIo, expect }) {
      const io = await mockSocketIo({ strict: true }).expectEmit('hello', { v: 1 }).emit('welcome')
      const client = connectSio(io.url)
      try {
        await client.connected
        client.socket.emit('goodbye', { v: 2 })
        await waitUntil(() => io.failures.length > 0, 'the mock records the unexpected event')
        expect(io).not.toHaveNoFailures()
      } finally {
        await client.close()
      }
      let error
      try {
        await io.close()
      } catch (e) {
        error = e
      }
      expect(error && error.name).toBe('ScenarioFailureError')
      expect(error.message).toContain('unexpected message')
      expect(error.message).toContain('expected: expectEmit("hello", {"v":1})')
      expect(error.message).toContain('←  ["goodbye",{"v":2}]')
    },
  },
]

/** Two cases in this order, in one worker: the first leaves a Socket.IO mock open, the second finds it closed by the runner. */
function teardownCases() {
  const state = {}
  return [
    {
      name: 'socket.io teardown (1/2): a test leaves its mock and client open',
      async run({ mockSocketIo, expect }) {
        state.before = tcpHandles()
        const io = await mockSocketIo({ pingInterval: 200 })
        // No reconnection: the client must not dial the closed port again after the teardown.
        state.client = connectSio(io.url, { reconnection: false, transports: ['websocket'] })
        await state.client.connected
        state.mock = io
        state.port = io.port
        expect(await portAcceptsConnections(io.port)).toBe(true)
      },
    },
    {
      name: 'socket.io teardown (2/2): the next test finds it closed, its port free and no handle left',
      async run({ expect, liveMockCount }) {
        expect(state.mock).toBeDefined()
        expect(state.mock.closed).toBe(true)
        expect(await portAcceptsConnections(state.port)).toBe(false)
        expect(liveMockCount()).toBe(0)
        expect(await state.client.disconnected).toBe('transport close')
        await state.client.close()
        await waitUntil(() => tcpHandles().sockets <= state.before.sockets, 'the client socket is released', 1000).catch(() => {})
        const after = tcpHandles()
        expect(after.servers).toBeLessThanOrEqual(state.before.servers)
        expect(after.sockets).toBeLessThanOrEqual(state.before.sockets)
      },
    },
  ]
}

module.exports = { cases, teardownCases }
