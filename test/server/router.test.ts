import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import { mockWs, router, type WsRouter } from '../../src/index.js'
import { connectClient, leakableResources } from '../support/client.js'
import { rawUpgrade } from '../reliability/support.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
  delete process.env.MOCKFORGE_WS_REPLAY_FILE
  delete process.env.MOCKFORGE_RESPONSE_TEMPLATE_EXPAND
})

async function serve(server: http.Server, routers: WsRouter[] = []): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(async () => {
    for (const r of routers) await r.close()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return (server.address() as AddressInfo).port
}

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ port, host: '127.0.0.1', path }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => resolve(`${res.statusCode} ${body}`))
    }).on('error', reject)
  })
}

describe('router() mounted on an existing http.Server', () => {
  it('serves WebSockets on its path while the app serves HTTP, leaving other upgrade paths to other listeners', async () => {
    const server = http.createServer((req, res) => {
      res.end(req.url === '/hello' ? 'hello from the app' : 'other route')
    })
    const ws = router({ path: '/ws' })
    // Another, unrelated WebSocket endpoint owned by the app on /third.
    const third = new WebSocketServer({ noServer: true })
    third.on('connection', (socket) => socket.send('from the app socket'))
    server.on('upgrade', ws.handleUpgrade)
    server.on('upgrade', (req, socket, head) => {
      if (req.url === '/third') third.handleUpgrade(req, socket, head, (s) => third.emit('connection', s, req))
    })
    cleanups.push(() => new Promise((resolve) => third.close(() => resolve())))
    const port = await serve(server, [ws])

    expect(await get(port, '/hello')).toBe('200 hello from the app')
    const client = await connectClient(`ws://127.0.0.1:${port}/ws`)
    client.send('echo me')
    expect(await client.next()).toBe('echo me')
    const other = await connectClient(`ws://127.0.0.1:${port}/third`)
    expect(await other.next()).toBe('from the app socket')
    expect(ws.connections).toHaveLength(1)
    expect(ws.transcript.map((f) => f.text)).toEqual(['echo me', 'echo me'])
    await Promise.all([client.close(), other.close()])
  })

  it('reads MOCKFORGE_WS_REPLAY_FILE and MOCKFORGE_RESPONSE_TEMPLATE_EXPAND per connection', async () => {
    const server = http.createServer()
    const ws = router({ path: '/feed' })
    server.on('upgrade', ws.handleUpgrade)
    const port = await serve(server, [ws])
    const url = `ws://127.0.0.1:${port}/feed`

    const echo = await connectClient(url)
    echo.send('plain echo')
    expect(await echo.next()).toBe('plain echo')

    process.env.MOCKFORGE_WS_REPLAY_FILE = 'examples/mockforge-basic.jsonl'
    const raw = await connectClient(url)
    raw.send('CLIENT_READY')
    expect(await raw.next()).toBe('HELLO {{uuid}}')

    process.env.MOCKFORGE_RESPONSE_TEMPLATE_EXPAND = 'true'
    const expanded = await connectClient(url)
    expanded.send('CLIENT_READY')
    expect(await expanded.next()).toMatch(/^HELLO [0-9a-f-]{36}$/)
    await Promise.all([echo.close(), raw.close(), expanded.close()])
  })

  it('closes a connection with 1011 when the replay file is invalid, and keeps serving', async () => {
    const server = http.createServer()
    const ws = router({ path: '/ws', replayFile: 'test/fixtures/does-not-exist.jsonl' })
    server.on('upgrade', ws.handleUpgrade)
    const port = await serve(server, [ws])
    const client = await connectClient(`ws://127.0.0.1:${port}/ws`)
    expect(await client.closed).toEqual({ code: 1011, reason: 'mockforge-ws: replay file could not be loaded' })
    expect(ws.metrics.errors).toBe(1)
  })

  it("serves a builder plan's maxBufferedBytes: sends past it close the connection with 1008", async () => {
    const limit = 2 * 1024 * 1024
    const server = http.createServer()
    const ws = router({ path: '/ws', plan: await mockWs({ maxBufferedBytes: limit }).plan() })
    server.on('upgrade', ws.handleUpgrade)
    const port = await serve(server, [ws])
    const stalled = await rawUpgrade(port)
    stalled.socket.pause()
    const conn = await ws.nextConnection()
    const chunk = 'y'.repeat(256 * 1024)
    for (let i = 0; i < 64 && ws.failures.length === 0; i++) conn.send(chunk)
    expect(ws.failures[0]).toMatchObject({ kind: 'send-failed', expected: `at most ${limit} bytes waiting to be sent (maxBufferedBytes)` })
    await conn.closed
    stalled.destroy()
  })

  it('router.close() ends its connections but leaves the app server to its owner', async () => {
    const server = http.createServer((_req, res) => res.end('up'))
    const ws = router()
    server.on('upgrade', ws.handleUpgrade)
    const port = await serve(server)
    const client = await connectClient(`ws://127.0.0.1:${port}/ws`)
    await ws.close()
    expect((await client.closed).code).toBe(1001)
    expect(await get(port, '/')).toBe('200 up')
    await new Promise<void>((resolve) => server.close(() => resolve()))
    cleanups.length = 0
    await new Promise<void>((resolve) => setImmediate(resolve))
    await new Promise<void>((resolve) => setImmediate(resolve))
    expect(leakableResources().servers).toBe(0)
  })
})
