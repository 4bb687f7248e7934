import { describe, expect, it, vi } from 'vitest'
import { PROXY_HIGH_WATER_BYTES } from '../../src/proxy/config.js'
import { mockWs } from '../../src/server/builder.js'
import { connectClient } from '../support/client.js'
import { useTestScope } from '../support/scope.js'
import { startUpstream } from './support.js'

const MESSAGE_BYTES = 512 * 1024
/** Far more than loopback socket buffers hold, so a proxy without backpressure would buffer most of it. */
const MESSAGES = 96

const scope = useTestScope()

function payload(i: number): Buffer {
  const b = Buffer.alloc(MESSAGE_BYTES, i % 251)
  b.writeUInt32BE(i, 0)
  return b
}

describe('proxy backpressure', () => {
  it('stops reading the upstream while the client is slow, then delivers everything in order', async () => {
    const up = await startUpstream()
    scope.defer(() => up.close())
    const ws = await mockWs().proxy(up.url)
    scope.defer(() => ws.close())
    const c = await connectClient(ws.url)
    scope.defer(() => c.close())
    const conn = await ws.nextConnection()
    const u = await up.next()

    // Sample what the mock holds for the client after every frame it forwards.
    let maxBuffered = 0
    const send = conn.socket.send.bind(conn.socket)
    vi.spyOn(conn.socket, 'send').mockImplementation(((...args: Parameters<typeof send>) => {
      send(...args)
      maxBuffered = Math.max(maxBuffered, conn.socket.bufferedAmount)
    }) as typeof send)

    c.socket.pause()
    for (let i = 0; i < MESSAGES; i++) u.socket.send(payload(i))
    // The mock stopped reading: most of the data is still queued at the upstream.
    await vi.waitFor(() => expect(conn.socket.bufferedAmount).toBeGreaterThan(PROXY_HIGH_WATER_BYTES))
    expect(u.socket.bufferedAmount).toBeGreaterThan((MESSAGES * MESSAGE_BYTES) / 2)

    c.socket.resume()
    for (let i = 0; i < MESSAGES; i++) {
      const frame = (await c.next(10_000)) as Buffer
      expect(frame.readUInt32BE(0)).toBe(i)
      expect(frame.length).toBe(MESSAGE_BYTES)
    }
    // Bounded: the high-water mark plus what was already parsed when reading stopped.
    expect(maxBuffered).toBeLessThanOrEqual(PROXY_HIGH_WATER_BYTES + 4 * MESSAGE_BYTES)
    expect(ws.metrics.errors).toBe(0)
  })

  it('closes the client with 1013 when more than maxBufferedBytes wait for it', async () => {
    const up = await startUpstream()
    scope.defer(() => up.close())
    const ws = await mockWs().proxy(up.url, { maxBufferedBytes: 256 * 1024 })
    scope.defer(() => ws.close())
    const c = await connectClient(ws.url)
    scope.defer(() => c.close())
    const u = await up.next()
    c.socket.pause()
    for (let i = 0; i < MESSAGES; i++) u.socket.send(payload(i))
    await vi.waitFor(() => expect(ws.transcript.at(-1)?.close).toEqual({ code: 1013, reason: 'proxy buffer limit exceeded (client too slow)' }))
    expect(ws.metrics.errors).toBe(1)
    c.socket.resume()
    // The close frame reaches the client unless it stayed paused past the close handshake timeout (then it is dropped: 1006).
    expect([1013, 1006]).toContain((await c.closed).code)
    expect([1013, 1006]).toContain((await u.closed).code)
  })
})
