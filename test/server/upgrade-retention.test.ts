import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, test, vi } from 'vitest'
import WebSocket from 'ws'
import { router } from '../../src/index.js'

/** A real collector, without a CLI flag: the flag is set at runtime and `gc` read from a fresh context. */
function getGc(): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

describe('an idle upgraded connection', () => {
  test('does not keep the upgrade head Buffer reachable (it cost ~400 bytes per idle connection)', async () => {
    const gc = getGc()
    const ws = router({ path: '/ws' })
    const heads: WeakRef<Buffer>[] = []
    const server = http.createServer()
    server.on('upgrade', (request, socket, head: Buffer) => {
      heads.push(new WeakRef(head))
      ws.handleUpgrade(request, socket, head)
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    const clients = Array.from({ length: 5 }, () => new WebSocket(`ws://127.0.0.1:${port}/ws`))
    try {
      await Promise.all(clients.map((c) => once(c, 'open')))
      // The connections are open and idle: the echo answers one message each way.
      for (const c of clients) c.send('ping')
      await Promise.all(clients.map((c) => once(c, 'message')))
      expect(heads).toHaveLength(5)
      for (let i = 0; i < 4; i++) gc()
      expect(heads.filter((h) => h.deref() !== undefined)).toHaveLength(0)
    } finally {
      await Promise.all(clients.map((c) => (c.readyState === WebSocket.CLOSED ? undefined : (c.close(), once(c, 'close')))))
      await ws.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })

  test('lets the upgrade IncomingMessage go once the handler ran; conn.request keeps method, url, headers and socket', async () => {
    const gc = getGc()
    const ws = router({ path: '/ws' })
    const requests: WeakRef<http.IncomingMessage>[] = []
    const server = http.createServer()
    server.on('upgrade', (request: http.IncomingMessage, socket, head: Buffer) => {
      requests.push(new WeakRef(request))
      ws.handleUpgrade(request, socket, head)
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    const clients = Array.from({ length: 3 }, (_, i) => new WebSocket(`ws://127.0.0.1:${port}/ws?client=${i}`, { headers: { 'x-test': `c${i}` } }))
    try {
      await Promise.all(clients.map((c) => once(c, 'open')))
      await vi.waitFor(() => expect(ws.connections).toHaveLength(3))
      for (let i = 0; i < 4; i++) gc()
      expect(requests.filter((r) => r.deref() !== undefined)).toHaveLength(0)
      const conn = ws.connections.find((c) => c.url === '/ws?client=1')!
      expect(conn.request).toMatchObject({ method: 'GET', url: '/ws?client=1', httpVersion: '1.1' })
      expect(conn.request.headers['x-test']).toBe('c1')
      expect(conn.request.socket.remoteAddress).toBe('127.0.0.1')
      expect(conn.request).toBe(conn.request)
    } finally {
      await Promise.all(clients.map((c) => (c.close(), once(c, 'close'))))
      await ws.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})
