import net from 'node:net'
import http from 'node:http'
import { readdirSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { closeAllMocks, liveMockCount, mockWs, MockWsError } from '../../src/index.js'
import { connectClient, leakableResources, StandardWebSocket } from '../support/client.js'
import { watchLeaks } from '../support/leaks.js'

afterEach(async () => {
  await closeAllMocks()
})

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      })
      .on('error', reject)
  })
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

describe('mockWs() echo server', () => {
  it('listens on 127.0.0.1 with an OS-assigned port and the default path', async () => {
    const ws = await mockWs()
    expect(ws.host).toBe('127.0.0.1')
    expect(ws.port).toBeGreaterThan(0)
    expect(ws.path).toBe('/ws')
    expect(ws.url).toBe(`ws://127.0.0.1:${ws.port}/ws`)
  })

  it('echoes text and binary frames unchanged to a ws client', async () => {
    const ws = await mockWs()
    const client = await connectClient(ws.url)
    client.send('hello')
    expect(await client.nextFrame()).toEqual({ data: 'hello', isBinary: false })
    const bytes = Buffer.from([0, 1, 2, 250, 255])
    client.send(bytes)
    const frame = await client.nextFrame()
    expect(frame.isBinary).toBe(true)
    expect(Buffer.compare(frame.data as Buffer, bytes)).toBe(0)
    await client.close()
  })

  it("echoes to the standard WebSocket class (Node's own where available)", async () => {
    const ws = await mockWs()
    const client = new StandardWebSocket(ws.url)
    client.binaryType = 'arraybuffer'
    const got: unknown[] = []
    const done = new Promise<void>((resolve) => {
      client.onmessage = (e) => {
        got.push(e.data)
        if (got.length === 2) resolve()
      }
    })
    await new Promise<void>((resolve) => (client.onopen = () => resolve()))
    client.send('text frame')
    client.send(new Uint8Array([9, 8, 7]))
    await done
    expect(got[0]).toBe('text frame')
    expect([...new Uint8Array(got[1] as ArrayBuffer)]).toEqual([9, 8, 7])
    const closed = new Promise<void>((resolve) => (client.onclose = () => resolve()))
    client.close()
    await closed
  })

  it('records a transcript both ways, with received/sent views and per-connection messages', async () => {
    const ws = await mockWs()
    const client = await connectClient(ws.url)
    const conn = await ws.nextConnection()
    client.send('a')
    await client.next()
    client.send(Buffer.from([1]))
    await client.next()
    expect(ws.received.map((f) => f.text ?? [...(f.binary ?? [])])).toEqual(['a', [1]])
    expect(ws.sent.map((f) => f.text ?? [...(f.binary ?? [])])).toEqual(['a', [1]])
    expect(ws.transcript.every((f) => f.connection === conn.id && f.ts >= 0)).toBe(true)
    expect(conn.messages[0]).toBe('a')
    expect([...(conn.messages[1] as Uint8Array)]).toEqual([1])
    expect(ws.metrics).toMatchObject({ connectionsActive: 1, connectionsTotal: 1, messagesIn: 2, messagesOut: 2, bytesIn: 2, bytesOut: 2, errors: 0 })
    await client.close()
  })

  it('queues client messages for nextMessage() and connections for nextConnection()', async () => {
    const ws = await mockWs()
    const a = await connectClient(ws.url)
    const b = await connectClient(ws.url)
    expect((await ws.nextConnection()).id).toBe(1)
    expect((await ws.nextConnection()).id).toBe(2)
    a.send('first')
    b.send('second')
    expect(await ws.nextMessage()).toBe('first')
    expect(await ws.nextMessage()).toBe('second')
    await expect(ws.nextMessage({ timeout: 50 })).rejects.toThrowErrorMatchingInlineSnapshot(
      `[MockWsTimeoutError: Timed out after 50 ms waiting for a client message on ${ws.url}.]`,
    )
    await Promise.all([a.close(), b.close()])
  })

  it('sends to the newest connection and broadcasts to all', async () => {
    const ws = await mockWs()
    const a = await connectClient(ws.url)
    await ws.connected
    const b = await connectClient(ws.url)
    await ws.nextConnection()
    await ws.nextConnection()
    ws.send('to b')
    expect(await b.next()).toBe('to b')
    ws.broadcast('all')
    expect(await a.next()).toBe('all')
    expect(await b.next()).toBe('all')
    expect(a.received).toEqual(['all'])
    await Promise.all([a.close(), b.close()])
  })

  it('refuses to send when nobody is connected, with a hint', async () => {
    const ws = await mockWs()
    expect(() => ws.send('x')).toThrowError(MockWsError)
    expect(() => ws.send('x')).toThrowErrorMatchingInlineSnapshot(
      `[MockWsError: Failed to send: no client is connected to ${ws.url}. Await ws.connected first.]`,
    )
  })

  it('lets a test close or drop one connection', async () => {
    const ws = await mockWs()
    const client = await connectClient(ws.url)
    const first = await ws.nextConnection()
    first.close(4001, 'kicked')
    expect(await client.closed).toEqual({ code: 4001, reason: 'kicked' })
    const other = await connectClient(ws.url)
    const second = await ws.nextConnection()
    expect(second.id).toBe(2)
    second.terminate()
    expect((await other.closed).code).toBe(1006)
    expect(ws.connections).toHaveLength(0)
  })

  it('answers 404 to an upgrade on another path and 426 to plain HTTP, and keeps serving', async () => {
    const ws = await mockWs({ path: '/socket' })
    await expect(connectClient(`ws://127.0.0.1:${ws.port}/other`)).rejects.toThrow(/404/)
    const res = await httpGet(`http://127.0.0.1:${ws.port}/socket`)
    expect(res.status).toBe(426)
    expect(res.body).toContain('mockforge-ws WebSocket endpoint')
    const client = await connectClient(ws.url)
    client.send('still here')
    expect(await client.next()).toBe('still here')
    await client.close()
  })

  it("accepts any path with path '*'", async () => {
    const ws = await mockWs({ path: '*' })
    const client = await connectClient(`ws://127.0.0.1:${ws.port}/any/thing?x=1`)
    const conn = await ws.connected
    expect(conn.path).toBe('/any/thing')
    expect(conn.url).toBe('/any/thing?x=1')
    await client.close()
  })

  it('negotiates subprotocols from the accepted list', async () => {
    const ws = await mockWs({ protocols: ['graphql-ws', 'v2'] })
    const client = await connectClient(ws.url, ['v1', 'v2'])
    expect(client.socket.protocol).toBe('v2')
    expect((await ws.connected).protocol).toBe('v2')
    await client.close()
  })

  it('falls back from a busy preferred port unless strictPort', async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const busy = (blocker.address() as net.AddressInfo).port
    try {
      const ws = await mockWs({ port: busy })
      expect(ws.port).not.toBe(busy)
      expect(await canConnect(ws.port)).toBe(true)
      await expect(mockWs({ port: busy, strictPort: true })).rejects.toThrow(/Failed to start mock on 127.0.0.1:\d+: listen EADDRINUSE/)
    } finally {
      await new Promise((resolve) => blocker.close(resolve))
    }
  })

  it('close() ends every connection with 1001, frees the port and leaves no handle', async () => {
    // Only what this test makes counts: process-wide counts also hold the runner's timers and the sockets an
    // earlier test's clients are still closing, which a loaded machine keeps around longer.
    const leaks = watchLeaks()
    try {
      const ws = await mockWs()
      const clients = await Promise.all([connectClient(ws.url), connectClient(ws.url)])
      clients[0]!.send('x')
      await clients[0]!.next()
      await ws.close()
      for (const c of clients) expect(await c.closed).toEqual({ code: 1001, reason: 'mock server closed' })
      expect(liveMockCount()).toBe(0)
      // The mock's server and timers are gone once close() resolves; sockets get the loop turns Node takes to
      // release a handle after its close event (the clients' own sockets count too).
      const { servers, timers } = leaks.counts()
      expect({ servers, timers }).toEqual({ servers: 0, timers: 0 })
      await leaks.expectNone()
      expect(await canConnect(ws.port)).toBe(false)
    } finally {
      leaks.stop()
    }
  })

  it('close() is idempotent and rejects pending waits with a clear error', async () => {
    const ws = await mockWs()
    const pending = ws.nextMessage({ timeout: 10_000 }).catch((e: unknown) => e)
    await Promise.all([ws.close(), ws.close()])
    expect(await pending).toMatchInlineSnapshot(
      `[MockWsError: Failed to wait: the mock server was closed. Await messages before closing it.]`,
    )
  })

  it('runs 500 start/connect/echo/close cycles without errors or fd growth', async () => {
    const fds = (): number => readdirSync('/proc/self/fd').length
    const before = fds()
    for (let i = 0; i < 500; i++) {
      const ws = await mockWs()
      const client = await connectClient(ws.url)
      client.send(`m${i}`)
      expect(await client.next()).toBe(`m${i}`)
      await ws.close()
      await client.closed
    }
    expect(fds()).toBeLessThanOrEqual(before + 2)
    expect(leakableResources().servers).toBe(0)
  }, 60_000)
})
