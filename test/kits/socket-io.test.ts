// The Socket.IO kit against socket.io-client 4.x in Node: default options (polling, then upgrade) and
// websocket-only, namespaces, acks both ways, server disconnect, heartbeats, binary, latency, replay, teardown.
import { afterEach, describe, expect, test } from 'vitest'
import { mockWsMatchers } from '../../src/integrations/matchers.js'
import { closeAllMocks, Connection, liveMockCount } from '../../src/index.js'
import { ioAck, ioEvent, loadSocketIo, mockSocketIo, type MockSocketIo } from '../../src/kits/socket-io/index.js'
import { watchLeaks } from '../reliability/support.js'
import { connectSio, trackClients } from './sio-client.cjs'

expect.extend(mockWsMatchers)

const { client, closeClients } = trackClients()

afterEach(async () => {
  await closeClients()
  await closeAllMocks()
})

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

const CLIENT_OPTIONS: [string, { transports: ['websocket'] } | undefined][] = [
  ['default options (polling, then websocket upgrade)', undefined],
  ["transports: ['websocket']", { transports: ['websocket'] }],
]

describe.each(CLIENT_OPTIONS)('socket.io-client with %s', (_label, options) => {
  test('the client emits, the script answers with templated events and acks', async () => {
    const io = await mockSocketIo({ strict: true })
      .expectEmit('join', { room: 'lobby' })
      .emit('welcome', { user: '{{uuid}}', n: '{{seq}}' })
      .expectEmit('chat', { text: 'hi' }, { ack: ['ok', { id: 1 }] })
      .emit('bye')
    const c = client(io.url, options)
    await c.connected
    c.socket.emit('join', { room: 'lobby', extra: true })
    const [welcome] = await c.next('welcome')
    expect((welcome as { user: string }).user).toMatch(UUID)
    expect((welcome as { n: string }).n).toBe('1')
    const ack = await c.socket.timeout(5000).emitWithAck('chat', { text: 'hi' })
    expect(ack).toBe('ok')
    await c.next('bye')
    expect(io.events.map((e) => [e.dir, e.event])).toEqual([
      ['in', 'join'],
      ['out', 'welcome'],
      ['in', 'chat'],
      ['out', 'bye'],
    ])
    expect(io.events[2]).toMatchObject({ connection: 1, namespace: '/', dir: 'in', event: 'chat', args: [{ text: 'hi' }], wantsAck: true, ack: ['ok', { id: 1 }] })
    expect(io.transcript.map((f) => f.text)).toEqual([
      '["join",{"room":"lobby","extra":true}]',
      `["welcome",{"user":"${(welcome as { user: string }).user}","n":"1"}]`,
      '{"event":["chat",{"text":"hi"}],"ack":true}',
      '{"ack":["ok",{"id":1}],"to":"chat"}',
      '["bye"]',
    ])
    if (options) expect(c.socket.io.engine.transport.name).toBe('websocket')
    expect(io).toHaveNoFailures()
  })
})

test('io.url is what io(url) takes; the upgrade to websocket happens with default options', async () => {
  const io = await mockSocketIo().emit('hello', 1)
  expect(io.url).toBe(`http://127.0.0.1:${io.port}`)
  const c = client(io.url)
  await c.connected
  expect(await c.next('hello')).toEqual([1])
  if (c.socket.io.engine.transport.name !== 'websocket') await new Promise<void>((resolve) => c.socket.io.engine.once('upgrade', () => resolve()))
  expect(c.socket.io.engine.transport.name).toBe('websocket')
})

test('namespace: the script plays on url + namespace; the main namespace is left alone', async () => {
  const io = await mockSocketIo({ namespace: '/chat', strict: true }).expectEmit('join', ['lobby', 2]).emit('joined', 'lobby')
  const main = client(io.url)
  await main.connected
  main.socket.emit('join', 'lobby', 2)
  const chat = client(`${io.url}/chat`)
  await chat.connected
  chat.socket.emit('join', 'lobby', 2)
  expect(await chat.next('joined')).toEqual(['lobby'])
  expect(io.events.every((e) => e.namespace === '/chat')).toBe(true)
  expect(io.events.filter((e) => e.dir === 'in')).toHaveLength(1)
  const other = client(`${io.url}/admin`, { reconnection: false })
  await expect(other.connected).rejects.toThrow('Invalid namespace')
})

test('emitWithAck: the client acks the server event, the ack is checked', async () => {
  const io = await mockSocketIo({ strict: true }).emitWithAck('ping', [1, 'a'], { expect: ['pong', { n: 2 }] }).emit('done')
  const c = client(io.url)
  c.socket.on('ping', (a: number, b: string, ack: (...args: unknown[]) => void) => {
    expect([a, b]).toEqual([1, 'a'])
    ack('pong', { n: 2, extra: 'allowed' })
  })
  await c.connected
  await c.next('done')
  expect(io.events[0]).toMatchObject({ dir: 'out', event: 'ping', wantsAck: true, ack: ['pong', { n: 2, extra: 'allowed' }] })
  expect(io).toHaveReceivedMessage(ioAck('ping', ['pong', { n: 2 }]))
  await io.close()
})

test('a wrong ack value is a strict failure with a readable report', async () => {
  // The default wait: with a short one, an ack that a loaded machine delivers late is a wait-timeout instead.
  const io = await mockSocketIo({ strict: true }).emitWithAck('ping', [1], { expect: ['pong'] }).emit('never')
  const c = client(io.url)
  c.socket.on('ping', (_n: number, ack: (reply: string) => void) => ack('PANG'))
  await c.connected
  await expect.poll(() => io.failures.length, { timeout: 5000 }).toBeGreaterThan(0)
  const error = await io.close().then(
    () => undefined,
    (e: unknown) => e as Error,
  )
  expect(error?.name).toBe('ScenarioFailureError')
  const report = error?.message ?? ''
  expect(report).toContain('connection #1, step 2 (emitWithAck("ping", [1], { expect: ["pong"] }) ack at <socket.io scenario>:2): unexpected message')
  expect(report).toContain('expected: emitWithAck("ping", [1], { expect: ["pong"] }) ack')
  expect(report).toContain('actual:   "{\\"ack\\":[\\"PANG\\"],\\"to\\":\\"ping\\"}"')
  expect(report).toContain('→  {"event":["ping",1],"ack":true}')
  expect(report).toContain('←  {"ack":["PANG"],"to":"ping"}')
})

test('expectEmit with ack needs the client to ask for one; a plain emit is a failure', async () => {
  // No short wait to run out: the step must still be waiting after the plain emit, so the ack-asking one gets its ack.
  const io = await mockSocketIo().expectEmit('chat', { text: 'hi' }, { ack: ['ok'] })
  const c = client(io.url)
  await c.connected
  c.socket.emit('chat', { text: 'hi' })
  await expect.poll(() => io.failures.map((f) => f.kind), { timeout: 5000 }).toEqual(['unexpected-message'])
  expect(io.failures[0]?.expected).toBe('expectEmit("chat", {"text":"hi"}, { ack: ["ok"] })')
  expect(io.failures[0]?.actual).toBe('"[\\"chat\\",{\\"text\\":\\"hi\\"}]"')
  expect(await c.socket.timeout(5000).emitWithAck('chat', { text: 'hi' })).toBe('ok')
})


test('each ack answers the event its step took, whether it waited for it or found it queued', async () => {
  // Three ack-asking events sent at once: the first goes to the waiting step, the others are queued
  // until their steps take them; every ack must still answer its own event.
  const io = await mockSocketIo({ strict: true })
    .expectEmit('a', undefined, { ack: ['A'] })
    .expectEmit('b', undefined, { ack: ['B'] })
    .expectEmit('c', undefined, { ack: ['C'] })
  const c = client(io.url, { transports: ['websocket'] })
  await c.connected
  const acks = await Promise.all(['a', 'b', 'c'].map((event) => c.socket.timeout(5000).emitWithAck(event)))
  expect(acks).toEqual(['A', 'B', 'C'])
  expect(io.events.filter((e) => e.dir === 'in').map((e) => [e.event, e.ack])).toEqual([
    ['a', ['A']],
    ['b', ['B']],
    ['c', ['C']],
  ])
  expect(io.failures).toEqual([])
})
test("disconnect(): the client sees 'io server disconnect' and does not reconnect", async () => {
  const io = await mockSocketIo().emit('bye', 'now').disconnect()
  const c = client(io.url)
  await c.connected
  expect(await c.next('bye')).toEqual(['now'])
  expect(await c.disconnected).toBe('io server disconnect')
  expect(c.socket.active).toBe(false)
  expect(io.transcript.at(-1)).toMatchObject({ dir: 'out', close: { code: 1000, reason: 'io server disconnect' } })
  await expect.poll(() => io.connections.length).toBe(0)
})

test('dropConnection(): the client sees a transport close and reconnects by itself', async () => {
  const io = await mockSocketIo().emit('hello', 1).dropConnection()
  const c = client(io.url, { transports: ['websocket'] })
  await c.connected
  expect(await c.disconnected).toBe('transport close')
  const second = await io.nextConnection()
  const first = await io.connected
  expect(second).toBe(first)
  const again = await io.nextConnection()
  expect(again.id).toBe(2)
})

test('heartbeats: the client stays connected across 3 ping intervals', async () => {
  const io = await mockSocketIo({ pingInterval: 50, pingTimeout: 200 })
  const c = client(io.url)
  await c.connected
  const started = performance.now()
  let pings = 0
  await new Promise<void>((resolve) => {
    c.socket.io.on('ping', () => {
      if (++pings === 3) resolve()
    })
  })
  expect(performance.now() - started).toBeGreaterThanOrEqual(100)
  expect(c.socket.connected).toBe(true)
  expect(io.connections).toHaveLength(1)
  expect(io.transcript.filter((f) => f.close)).toEqual([])
})

test('binary attachments round-trip both ways and show as {"$binary": base64}', async () => {
  const io = await mockSocketIo({ strict: true })
    .expectEmit('upload', { name: 'a.bin', data: { $binary: 'AQID' } })
    .emit('file', { name: 'b.bin', data: Buffer.from([4, 5, 6]) }, Buffer.from('hi'))
  const c = client(io.url)
  await c.connected
  c.socket.emit('upload', { name: 'a.bin', data: Buffer.from([1, 2, 3]) })
  const [meta, raw] = (await c.next('file')) as [{ name: string; data: Buffer }, Buffer]
  expect(meta.name).toBe('b.bin')
  expect([...meta.data]).toEqual([4, 5, 6])
  expect(Buffer.from(raw).toString()).toBe('hi')
  expect(Buffer.isBuffer((io.events[0]?.args[0] as { data: unknown }).data)).toBe(true)
  expect(io.transcript.map((f) => f.text)).toEqual([
    '["upload",{"name":"a.bin","data":{"$binary":"AQID"}}]',
    '["file",{"name":"b.bin","data":{"$binary":"BAUG"}},{"$binary":"aGk="}]',
  ])
})

test('the shared matchers read the mock, with ioEvent() as the matcher of events', async () => {
  const io = await mockSocketIo().waitFor('ready').emit('welcome', { v: 1 })
  const c = client(io.url)
  await c.connected
  c.socket.emit('noise', 1)
  c.socket.emit('ready')
  await c.next('welcome')
  await expect(io).toReceiveMessage(ioEvent('ready'))
  expect(io).toHaveReceivedMessages([ioEvent('noise', 1), ioEvent('ready')])
  expect(io).toHaveSentMessage(ioEvent('welcome', { v: 1 }))
  expect(io).not.toHaveSentMessage(ioEvent('welcome', { v: 2 }))
  expect(io).toHaveConnections(1)
  expect(io).toHaveNoFailures()
  expect((await io.nextEvent()).event).toBe('noise')
})

test('toReplay() writes the traffic in the dialect; replaying it serves a client the same way', async () => {
  const recorded = await mockSocketIo().expectEmit('join', { room: 'x' }).emit('welcome', { text: 'literal \\{{seq}}', n: '{{seq}}' }).disconnect()
  const first = client(recorded.url)
  await first.connected
  first.socket.emit('join', { room: 'x' })
  await first.disconnected
  const jsonl = recorded.toJSONL()
  expect(jsonl.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { dir: string; text?: string; close?: unknown })).toMatchObject([
    { dir: 'in', text: '["join",{"room":"x"}]' },
    { dir: 'out', text: '["welcome",{"text":"literal \\\\{{seq}}","n":"1"}]' },
    { dir: 'out', close: { code: 1000, reason: 'io server disconnect' } },
  ])
  const replayed = await mockSocketIo({ strict: true }).replay(jsonl)
  const second = client(replayed.url)
  await second.connected
  second.socket.emit('join', { room: 'x' })
  expect(await second.next('welcome')).toEqual([{ text: 'literal {{seq}}', n: '1' }])
  expect(await second.disconnected).toBe('io server disconnect')
  await replayed.close()
})

test('the builder exports its steps as replay entries of the dialect', () => {
  const entries = mockSocketIo()
    .expectEmit('chat', { text: 'hi' }, { ack: ['ok'] })
    .delay(10)
    .emitWithAck('ping', [1], { expect: ['pong'] })
    .disconnect()
    .toReplay()
  expect(entries.map((e) => [e.ts, e.dir, e.text ?? e.json ?? e.close])).toEqual([
    [0, 'in', undefined],
    [0, 'out', '{"ack":["ok"],"to":"chat"}'],
    [10, 'out', '{"event":["ping",1],"ack":true}'],
    [10, 'in', { ack: ['pong'], to: 'ping' }],
    [10, 'out', { code: 1000, reason: 'io server disconnect' }],
  ])
  expect(new RegExp(entries[0]?.match ?? '').test('{"event":["chat",{"text":"hi","at":1}],"ack":true}')).toBe(true)
  expect(new RegExp(entries[0]?.match ?? '').test('["chat",{"text":"hi"}]')).toBe(false)
})

test('the builder\'s entries replay: a wrong ack fails the json entry as it fails the builder', async () => {
  const entries = mockSocketIo().emitWithAck('ping', [1], { expect: [{ ok: true }] }).emit('done').toReplay()
  // The default wait: with a short one, an ack that a loaded machine delivers late is a wait-timeout instead.
  const io = await mockSocketIo().replay(entries)
  const c = client(io.url)
  c.socket.on('ping', (_n: number, ack: (reply: unknown) => void) => ack({ ok: false }))
  await c.connected
  await expect.poll(() => io.failures.map((f) => f.kind), { timeout: 5000 }).toEqual(['unexpected-message'])
  expect(io.failures[0]?.expected).toBe('json {"ack":[{"ok":true}],"to":"ping"}')
  const good = await mockSocketIo({ strict: true }).replay(entries)
  const d = client(good.url)
  d.socket.on('ping', (_n: number, ack: (reply: unknown) => void) => ack({ ok: true, extra: 1 }))
  expect(await d.next('done')).toEqual([])
  await good.close()
})

test('latency delays server events, in order', async () => {
  const io = await mockSocketIo({ seed: 1 }).latency(80).emit('a', 1).emit('b', 2)
  const c = client(io.url, { transports: ['websocket'] })
  const start = performance.now()
  await c.connected
  await c.next('a')
  await c.next('b')
  expect(performance.now() - start).toBeGreaterThanOrEqual(75)
  expect(io.events.map((e) => e.event)).toEqual(['a', 'b'])
})

test('dropMessages(1) loses every server event; they are not in the transcript', async () => {
  const io = await mockSocketIo().dropMessages(1).emit('lost', 1).expectEmit('still').emit('lost', 2)
  const c = client(io.url)
  await c.connected
  c.socket.emit('still')
  await expect(io).toReceiveMessage(ioEvent('still'))
  expect(io.sent).toEqual([])
})

test('bad options and steps fail at the call, naming every problem', () => {
  expect(() => mockSocketIo({ pingInterval: -1, namespace: 'chat', timeoutMs: Number.NaN })).toThrowErrorMatchingInlineSnapshot(`
    [MockWsError: Failed to configure mockSocketIo(): 3 problems in the options:
      - pingInterval must be a finite number > 0 (got -1)
      - timeoutMs must be a finite number > 0 (got NaN)
      - namespace must start with "/" (got "chat")
    . Fix them, or leave them out for the defaults.]
  `)
  expect(() => mockSocketIo().expectEmit('', {})).toThrow('Failed to add expectEmit("", {}) to the Socket.IO scenario: the event name must be a non-empty string.')
  expect(() => mockSocketIo().emitWithAck('ping', [1], { expect: 'pong' as never })).toThrow('expect must be the array of arguments the ack should carry')
})

test('a bad template token fails at start, nothing is left listening', async () => {
  await expect(mockSocketIo().emit('x', { a: '{{nope}}' }).start()).rejects.toThrow(/Failed to build the Socket.IO scenario: 1 template problem\.\n {2}step 1 emit\("x", \{"a":"\{\{nope\}\}"\}\): /)
  expect(liveMockCount()).toBe(0)
})

test('a replay whose out texts are not Socket.IO frames is refused with file:line', async () => {
  await expect(mockSocketIo().replay([{ ts: 0, dir: 'out', text: 'hello' }]).start()).rejects.toThrow(
    /Failed to load Socket.IO replay <inline>: 1 entry is not Socket.IO frames\.\n {2}<inline>:1: Failed to read Socket.IO frame "hello": it is not JSON/,
  )
})

test('a missing socket.io package is named in the error', async () => {
  await expect(loadSocketIo('socket.io-not-installed-here')).rejects.toThrow(
    "Failed to start mockSocketIo(): the optional package 'socket.io-not-installed-here' is not installed. Run npm i -D socket.io (4.x) next to mockforge-ws.",
  )
})

test('a port already taken fails the start with the port named, and leaves no server behind', async () => {
  const first = await mockSocketIo()
  const port = Number(new URL(first.url).port)
  const before = liveMockCount()
  await expect(mockSocketIo({ port })).rejects.toThrow(`Failed to start mockSocketIo() on 127.0.0.1:${port}: listen EADDRINUSE`)
  await expect(mockSocketIo({ port })).rejects.toThrow('Use port 0 to take a free port.')
  expect(liveMockCount()).toBe(before)
  await first.close()
})

test('closeAllMocks() closes a kit mock; nothing is left: no socket, server or timer', async () => {
  const leaks = watchLeaks()
  const io: MockSocketIo = await mockSocketIo({ pingInterval: 100 }).emit('hello', 1)
  const c = connectSio(io.url, { reconnection: false })
  await c.connected
  await c.next('hello')
  expect(liveMockCount()).toBe(1)
  await closeAllMocks()
  expect(io.closed).toBe(true)
  expect(liveMockCount()).toBe(0)
  // The client learns it from its transport: a closed websocket or a failed poll.
  expect(await c.disconnected).toMatch(/^transport (close|error)$/)
  await c.close()
  await leaks.expectNone()
})

test('events a client emits just before it disconnects are still matched by the script (no failure)', async () => {
  const io = await mockSocketIo({ strict: true }).expectEmit('a').expectEmit('b', { n: 2 })
  const c = client(io.url, { transports: ['websocket'] })
  await c.connected
  c.socket.emit('a')
  c.socket.emit('b', { n: 2 })
  c.socket.disconnect()
  await expect.poll(() => io.transcript.filter((f) => f.close).length).toBe(1)
  await io.close()
  expect(io.failures).toEqual([])
})

test('the mock shutting down is not part of a recording', async () => {
  const io = await mockSocketIo().expectEmit('hi').emit('hello', 1)
  const c = client(io.url, { reconnection: false, transports: ['websocket'] })
  await c.connected
  c.socket.emit('hi')
  await c.next('hello')
  await io.close()
  // The session's own shutdown close, as on every mock (the client sees its transport close).
  expect(io.transcript.at(-1)).toMatchObject({ dir: 'out', close: { code: 1001, reason: 'mock server closed' } })
  expect(io.toReplay().map((e) => e.text ?? e.close)).toEqual(['["hi"]', '["hello",1]'])
})

test('acks of events with the same name answer them oldest first, each its own', async () => {
  const io = await mockSocketIo({ strict: true })
    .expectEmit('save', { n: 1 }, { ack: ['first'] })
    .expectEmit('save', { n: 2 }, { ack: ['second'] })
  const c = client(io.url, { transports: ['websocket'] })
  await c.connected
  const acks = await Promise.all([1, 2].map((n) => c.socket.timeout(5000).emitWithAck('save', { n })))
  expect(acks).toEqual(['first', 'second'])
  expect(io.events.map((e) => [e.args[0], e.ack])).toEqual([
    [{ n: 1 }, ['first']],
    [{ n: 2 }, ['second']],
  ])
})

test('an out ack with no client event waiting for one is a send failure naming the step', async () => {
  const io = await mockSocketIo().replay([{ ts: 0, dir: 'out', text: '{"ack":["ok"],"to":"chat"}' }, { ts: 0, dir: 'out', text: '["after"]' }])
  const c = client(io.url, { transports: ['websocket'] })
  await c.connected
  await c.next('after')
  expect(io.failures).toMatchObject([{ kind: 'send-failed', step: 1, actual: 'no ack of "chat" to answer: no client event "chat" asked for one that is not answered yet' }])
})

test("the kit's connections are the session's Connection: messages, nextMessage, metrics, emit and disconnect outside the script", async () => {
  const io = await mockSocketIo()
  const c = client(io.url, { transports: ['websocket'] })
  await c.connected
  const conn = await io.nextConnection()
  expect(conn).toBeInstanceOf(Connection)
  expect(conn.namespace).toBe('/')
  c.socket.emit('hello', { n: 1 })
  expect(await io.nextMessage()).toBe('["hello",{"n":1}]')
  expect(conn.messages).toEqual(['["hello",{"n":1}]'])
  conn.emit('news', Buffer.from([1]))
  expect(await c.next('news')).toEqual([Buffer.from([1])])
  expect(io.metrics).toMatchObject({ connectionsTotal: 1, connectionsActive: 1, messagesIn: 1, messagesOut: 1, eventsIn: 1, eventsOut: 1 })
  conn.disconnect()
  expect(await c.disconnected).toBe('io server disconnect')
  expect(await conn.closed).toEqual({ code: 1000, reason: 'server namespace disconnect' })
  expect(io.transcript.at(-1)).toMatchObject({ dir: 'out', close: { code: 1000, reason: 'io server disconnect' } })
  expect(io.metrics.connectionsActive).toBe(0)
})
