// How the kit writes a script's events: an event text of the dialect (`["event",...]`) is already the packet
// socket.io would encode for the same arguments, so it is written as it is; whatever needs socket.emit()
// (binary, acks, outgoing listeners, connection-state recovery, reserved names) still goes through it.
import { createRequire } from 'node:module'
import { afterEach, describe, expect, test } from 'vitest'
import { closeAllMocks } from '../../src/index.js'
import { mockSocketIo } from '../../src/kits/socket-io/index.js'
import { trackClients } from './sio-client.cjs'

const { client, closeClients } = trackClients()

afterEach(async () => {
  await closeClients()
  await closeAllMocks()
})

describe.each([
  ['default options (polling, then websocket upgrade)', undefined],
  ["transports: ['websocket']", { transports: ['websocket'] as ['websocket'] }],
])('socket.io-client with %s', (_label, options) => {
  test('replay texts as written (spaces, escapes, nesting) reach the client as the values they stand for, on a namespace', async () => {
    const io = await mockSocketIo({ namespace: '/chat', strict: true }).replay([
      { ts: 0, dir: 'in', match: '"go"' },
      { ts: 0, dir: 'out', text: '[ "news" , {"a": [1, {"b": null}], "s": "\\u00e9\\"q\\"", "n": -1.5e3} ]' },
      { ts: 0, dir: 'out', text: '["plain",true,"x"]' },
    ])
    const c = client(`${io.url}/chat`, options)
    await c.connected
    c.socket.emit('go')
    expect(await c.next('news')).toEqual([{ a: [1, { b: null }], s: 'é"q"', n: -1500 }])
    expect(await c.next('plain')).toEqual([true, 'x'])
    expect(io.events.filter((e) => e.dir === 'out').map((e) => [e.namespace, e.event, e.args])).toEqual([
      ['/chat', 'news', [{ a: [1, { b: null }], s: 'é"q"', n: -1500 }]],
      ['/chat', 'plain', [true, 'x']],
    ])
    expect(io.failures).toEqual([])
  })
})

test("the socket's outgoing listeners see the script's events (they go through socket.emit)", async () => {
  const io = await mockSocketIo({ strict: true }).expectEmit('go').emit('news', { n: 1 })
  const seen: unknown[][] = []
  io.server.on('connection', (socket) => socket.onAnyOutgoing((...args: unknown[]) => seen.push(args)))
  const c = client(io.url, { transports: ['websocket'] })
  await c.connected
  c.socket.emit('go')
  expect(await c.next('news')).toEqual([{ n: 1 }])
  expect(seen).toEqual([['news', { n: 1 }]])
})

test('with connection-state recovery, script events go through socket.emit and carry the offset the client resumes from', async () => {
  const io = await mockSocketIo({ serverOptions: { connectionStateRecovery: {} } })
    .expectEmit('go')
    .emit('news', 1)
  const c = client(io.url, { transports: ['websocket'] })
  await c.connected
  c.socket.emit('go')
  // socket.io appends the packet's offset as a last argument; the client keeps it to recover the session.
  const args = await c.next('news')
  expect(args).toEqual([1, expect.any(String)])
  expect((c.socket as unknown as { _lastOffset?: string })._lastOffset).toBe(args[1])
})

test("with a custom parser, script events go through socket.emit and the server's encoder", async () => {
  // socket.io's own parser, from where socket.io loads it, with a replacer: what it writes differs from the dialect text.
  const parser = createRequire(createRequire(import.meta.url).resolve('socket.io'))('socket.io-parser') as {
    Encoder: new (replacer?: (key: string, value: unknown) => unknown) => object
    Decoder: unknown
  }
  const shout = (_key: string, value: unknown): unknown => (typeof value === 'string' ? value.toUpperCase() : value)
  const io = await mockSocketIo({ serverOptions: { parser: { Encoder: class extends parser.Encoder { constructor() { super(shout) } }, Decoder: parser.Decoder } } })
    .expectEmit('go')
    .emit('news', 'hi')
  const c = client(io.url, { transports: ['websocket'] })
  await c.connected
  c.socket.emit('go')
  expect(await c.next('NEWS')).toEqual(['HI'])
})
