// The start and close of a mockWs() as a test sees them: what close() guarantees once it resolves,
// whatever is connected or connecting, and what a failed start leaves (nothing).
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { closeAllMocks, liveMockCount, mockWs, MockWsError } from '../../src/index.js'
import { connectClient } from '../support/client.js'
import { watchLeaks } from '../support/leaks.js'

afterEach(async () => {
  await closeAllMocks()
})

/** Resolves with how a client opening `url` ends: 'open' (then closed by the test), or 'refused' (error or close before open). */
function tryOpen(url: string): Promise<'open' | 'refused'> {
  const client = new WebSocket(url)
  return new Promise((resolve) => {
    client.once('open', () => {
      client.terminate()
      resolve('open')
    })
    client.once('error', () => resolve('refused'))
    client.once('close', () => resolve('refused'))
  })
}

describe('mockWs() start and close', () => {
  it('close() of a mock nothing connected to leaves no server or timer once it resolves', async () => {
    const leaks = watchLeaks()
    try {
      const ws = await mockWs()
      await ws.close()
      expect(leaks.counts()).toEqual({ sockets: 0, servers: 0, timers: 0 })
      expect(liveMockCount()).toBe(0)
    } finally {
      leaks.stop()
    }
  })

  it('close() with a client connected, one message each way, leaves no server or timer once it resolves', async () => {
    const leaks = watchLeaks()
    try {
      const ws = await mockWs()
      const client = await connectClient(ws.url)
      client.send('ping')
      expect(await ws.nextMessage()).toBe('ping')
      expect(await client.next()).toBe('ping') // the default echo
      ws.send('pong')
      expect(await client.next()).toBe('pong')
      await ws.close()
      const { servers, timers } = leaks.counts()
      expect({ servers, timers }).toEqual({ servers: 0, timers: 0 })
      expect(await client.closed).toEqual({ code: 1001, reason: 'mock server closed' })
      await leaks.expectNone()
    } finally {
      leaks.stop()
    }
  })

  it('a client that opens while close() runs is refused, and close() still leaves nothing', async () => {
    const leaks = watchLeaks()
    try {
      const ws = await mockWs()
      const first = await connectClient(ws.url)
      const closing = ws.close()
      const late = tryOpen(ws.url)
      await closing
      expect(await late).toBe('refused')
      expect(await first.closed).toEqual({ code: 1001, reason: 'mock server closed' })
      await leaks.expectNone()
    } finally {
      leaks.stop()
    }
  })

  it('a TCP connection that never sends its upgrade does not hold close() up, and is closed by it', async () => {
    const ws = await mockWs()
    const idle = net.connect({ port: ws.port, host: '127.0.0.1' })
    idle.on('error', () => {})
    await new Promise<void>((resolve) => idle.once('connect', () => resolve()))
    const ended = new Promise<void>((resolve) => idle.once('close', () => resolve()))
    await ws.close()
    await ended
    expect(idle.destroyed).toBe(true)
  })

  it('closing one of two mocks of a file leaves the other serving', async () => {
    const a = await mockWs()
    const b = await mockWs()
    const clientB = await connectClient(b.url)
    await a.close()
    clientB.send('still here')
    expect(await clientB.next()).toBe('still here')
    expect(liveMockCount()).toBe(1)
    await b.close()
    expect(await clientB.closed).toEqual({ code: 1001, reason: 'mock server closed' })
  })

  it('many start/close cycles in a row each leave nothing behind', async () => {
    const leaks = watchLeaks()
    try {
      for (let i = 0; i < 50; i++) {
        const ws = await mockWs()
        const client = await connectClient(ws.url)
        client.send(`n${i}`)
        expect(await ws.nextMessage()).toBe(`n${i}`)
        await ws.close()
        await client.closed
      }
      expect(liveMockCount()).toBe(0)
      await leaks.expectNone()
    } finally {
      leaks.stop()
    }
  })

  it('a start that fails (strictPort on a taken port) leaves no server, listener or tracked mock', async () => {
    const taken = await mockWs()
    const leaks = watchLeaks()
    try {
      const error = await mockWs({ port: taken.port, strictPort: true }).start().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(MockWsError)
      expect((error as MockWsError).code).toBe('WSM_SERVER_START')
      expect((error as Error).message).toMatch(new RegExp(`^Failed to start mock on 127\\.0\\.0\\.1:${taken.port}: .*EADDRINUSE.*Use port 0 \\(or drop strictPort\\)`))
      expect(liveMockCount()).toBe(1)
      await leaks.expectNone()
    } finally {
      leaks.stop()
    }
  })

  it('clients that never answer the close frame, on mocks closed one after the other, are each dropped and nothing is left', async () => {
    const leaks = watchLeaks()
    try {
      const a = await mockWs()
      const b = await mockWs()
      const answering = await connectClient(b.url)
      const silentA = await connectClient(a.url)
      const silentB = await connectClient(b.url)
      silentA.socket.pause() // reads nothing more: the close frames are never answered
      silentB.socket.pause()
      const closingA = a.close()
      // b's close handshakes start while a's still waits: one guard runs for both mocks' connections.
      await b.close()
      await closingA
      expect(b.metrics.connectionsActive).toBe(0)
      expect(a.metrics.connectionsActive).toBe(0)
      expect(await answering.closed).toEqual({ code: 1001, reason: 'mock server closed' })
      silentA.socket.terminate()
      silentB.socket.terminate()
      await leaks.expectNone()
    } finally {
      leaks.stop()
    }
  })

  it('close() waits for every connection, also when one of them closed already', async () => {
    const ws = await mockWs()
    const gone = await connectClient(ws.url)
    const staying = await connectClient(ws.url)
    const firstConn = await ws.connected
    gone.close()
    await firstConn.closed
    await ws.close()
    expect(ws.connections).toEqual([])
    expect(ws.metrics.connectionsActive).toBe(0)
    expect(await staying.closed).toEqual({ code: 1001, reason: 'mock server closed' })
    const frames = ws.transcript.filter((f) => f.close)
    expect(frames.map((f) => [f.connection, f.dir, f.close?.code])).toEqual([[1, 'in', 1000], [2, 'out', 1001]])
  })

  it('a pending nextMessage() is rejected by close() with the closed error, and later waits too', async () => {
    const ws = await mockWs()
    const pending = ws.nextMessage({ timeout: 10_000 }).catch((e: unknown) => e)
    await ws.close()
    const error = (await pending) as MockWsError
    expect(error).toBeInstanceOf(MockWsError)
    expect(error.code).toBe('WSM_CLOSED')
    expect(error.message).toBe('Failed to wait: the mock server was closed. Await messages before closing it.')
    await expect(ws.nextMessage()).rejects.toThrow('Failed to wait: the mock server was closed.')
  })
})
