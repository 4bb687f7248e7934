// What a hostile Socket.IO client sends must never crash the process: raw engine.io/socket.io frames
// over a plain `ws` client, past what socket.io-client would ever produce.
import { afterEach, expect, test } from 'vitest'
import WebSocket from 'ws'
import { closeAllMocks } from '../../src/index.js'
import { mockSocketIo, type MockSocketIo } from '../../src/kits/socket-io/index.js'
import { MessageQueue } from '../../src/server/message-queue.js'

afterEach(() => closeAllMocks())

/** A raw websocket speaking engine.io v4 by hand: open, connect to the namespace, then send packets as text. */
async function rawSocketIo(io: MockSocketIo): Promise<{ send(packet: string): void; close(): Promise<void> }> {
  const socket = new WebSocket(`ws://127.0.0.1:${io.port}/socket.io/?EIO=4&transport=websocket`)
  const frames = new MessageQueue<string>()
  socket.on('message', (data) => frames.push(String(data)))
  expect((await frames.take(5000)).startsWith('0{')).toBe(true) // engine.io open
  socket.send('40') // socket.io connect to "/"
  expect((await frames.take(5000)).startsWith('40')).toBe(true)
  return {
    send: (packet) => socket.send(packet),
    close: () =>
      new Promise((resolve) => {
        socket.once('close', () => resolve())
        socket.close()
      }),
  }
}

test('an event nested too deeply to record is a failure of that event, not a crash; the next event is served', async () => {
  const io = await mockSocketIo({ timeoutMs: 2000 }).expectEmit('after', { ok: true }).emit('served')
  const client = await rawSocketIo(io)
  const depth = 20_000
  client.send(`42["deep",${'['.repeat(depth)}${']'.repeat(depth)}]`)
  client.send('42["after",{"ok":true}]')
  await expect.poll(() => io.events.map((e) => e.event)).toEqual(['after', 'served'])
  expect(io.failures.map((f) => [f.kind, f.expected])).toEqual([['unexpected-message', 'an event the mock can record']])
  expect(io.failures[0]?.actual).toMatch(/^event "deep" could not be recorded: /)
  await client.close()
})

test('a replay that emits a reserved event name is a send failure on that connection, not a crash', async () => {
  const io = await mockSocketIo().replay([
    { ts: 0, dir: 'out', text: '["disconnect","bye"]' },
    { ts: 0, dir: 'out', text: '["after",1]' },
  ])
  const client = await rawSocketIo(io)
  await expect.poll(() => io.events.map((e) => e.event)).toEqual(['after'])
  expect(io.failures).toMatchObject([{ kind: 'send-failed', step: 1, actual: '"disconnect" is a reserved event name' }])
  // The transcript shows only what was sent.
  expect(io.sent.map((f) => f.text)).toEqual(['["after",1]'])
  expect(io.metrics.messagesOut).toBe(1)
  await client.close()
})

test('emit() refuses reserved event names at the call', () => {
  expect(() => mockSocketIo().emit('disconnect')).toThrow('Failed to add emit("disconnect") to the Socket.IO scenario: "disconnect" is reserved by socket.io. Use disconnect() to disconnect the client.')
})
