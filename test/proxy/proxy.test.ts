import WebSocket from 'ws'
import { describe, expect, it } from 'vitest'
import { mockWs } from '../../src/server/builder.js'
import { connectClient } from '../support/client.js'
import { useTestScope } from '../support/scope.js'
import { startUpstream, type Upstream } from './support.js'

const scope = useTestScope()

async function upstream(options: Parameters<typeof startUpstream>[0] = {}): Promise<Upstream> {
  const up = await startUpstream(options)
  scope.defer(() => up.close())
  return up
}

const { mock, client } = scope

describe('mockWs().proxy() against a real upstream', () => {
  it('forwards text and binary frames both ways, keeping their type, and records them in the transcript', async () => {
    const up = await upstream()
    const ws = await mock(mockWs().proxy(up.url))
    const c = await client(ws.url)
    const u = await up.next()

    c.send('hello')
    expect(await u.messages.take(1000, 'text')).toEqual({ data: 'hello', isBinary: false })
    expect(await c.nextFrame()).toEqual({ data: 'echo:hello', isBinary: false })

    const bytes = Buffer.from([0, 1, 2, 250, 255])
    c.send(bytes)
    expect(await u.messages.take(1000, 'binary')).toEqual({ data: bytes, isBinary: true })
    expect(await c.nextFrame()).toEqual({ data: bytes, isBinary: true })

    u.socket.send('pushed by the upstream')
    expect(await c.next()).toBe('pushed by the upstream')

    expect(ws.toReplay().map(({ ts: _ts, ...rest }) => rest)).toEqual([
      { dir: 'in', text: 'hello' },
      { dir: 'out', text: 'echo:hello' },
      { dir: 'in', binary: bytes.toString('base64') },
      { dir: 'out', binary: bytes.toString('base64') },
      { dir: 'out', text: 'pushed by the upstream' },
    ])
  })

  it('forwards a message the upstream sent in fragments as one frame of the same type', async () => {
    const up = await upstream()
    const ws = await mock(mockWs().proxy(up.url))
    const c = await client(ws.url)
    const u = await up.next()

    u.socket.send('frag', { fin: false })
    u.socket.send('mented', { fin: true })
    expect(await c.nextFrame()).toEqual({ data: 'fragmented', isBinary: false })
    u.socket.send(Buffer.from([1, 2]), { binary: true, fin: false })
    u.socket.send(Buffer.from([3]), { binary: true, fin: true })
    expect(await c.nextFrame()).toEqual({ data: Buffer.from([1, 2, 3]), isBinary: true })
    expect(ws.toReplay().map(({ ts: _ts, ...rest }) => rest)).toEqual([
      { dir: 'out', text: 'fragmented' },
      { dir: 'out', binary: Buffer.from([1, 2, 3]).toString('base64') },
    ])
  })

  it('forwards pings and pongs both ways: the client gets one pong per ping, the upstream sees the ping', async () => {
    const up = await upstream()
    const ws = await mock(mockWs().proxy(up.url))
    const c = await client(ws.url)
    const u = await up.next()
    const clientPongs: string[] = []
    c.socket.on('pong', (data) => clientPongs.push(data.toString()))

    const upstreamSawPing = new Promise<string>((resolve) => u.socket.once('ping', (d) => resolve(d.toString())))
    c.socket.ping('from-client')
    expect(await upstreamSawPing).toBe('from-client')
    // A text round trip after the ping: the upstream's pong (if it were forwarded) would arrive first.
    c.send('after ping')
    expect(await c.next()).toBe('echo:after ping')
    expect(clientPongs).toEqual(['from-client'])

    const clientSawPing = new Promise<string>((resolve) => c.socket.once('ping', (d) => resolve(d.toString())))
    const upstreamSawPong = new Promise<string>((resolve) => u.socket.once('pong', (d) => resolve(d.toString())))
    u.socket.ping('from-upstream')
    expect(await clientSawPing).toBe('from-upstream')
    expect(await upstreamSawPong).toBe('from-upstream')

    const unsolicited = new Promise<string>((resolve) => c.socket.once('pong', (d) => resolve(d.toString())))
    u.socket.pong('heartbeat')
    expect(await unsolicited).toBe('heartbeat')
  })

  it('passes the upstream close code and reason to the client', async () => {
    const up = await upstream()
    const ws = await mock(mockWs().proxy(up.url))
    const c = await client(ws.url)
    const u = await up.next()
    u.socket.send('last words')
    u.socket.close(4001, 'upstream says bye')
    expect(await c.next()).toBe('last words')
    expect(await c.closed).toEqual({ code: 4001, reason: 'upstream says bye' })
    expect(ws.toReplay().at(-1)).toMatchObject({ dir: 'out', close: { code: 4001, reason: 'upstream says bye' } })
  })

  it('passes the client close code and reason to the upstream, after the messages sent before it', async () => {
    const up = await upstream()
    const ws = await mock(mockWs().proxy(up.url))
    const c = await client(ws.url)
    const u = await up.next()
    c.send('one')
    c.socket.close(4002, 'client leaves')
    expect((await u.messages.take(1000, 'one')).data).toBe('one')
    expect(await u.closed).toEqual({ code: 4002, reason: 'client leaves' })
    expect((await c.closed).code).toBe(4002)
  })

  it('negotiates the subprotocol with the upstream and answers the client with the one the upstream chose', async () => {
    const up = await upstream({ handleProtocols: (offered) => (offered.has('chat.v2') ? 'chat.v2' : false) })
    const ws = await mock(mockWs().proxy(up.url))
    const c = await client(ws.url, ['chat.v1', 'chat.v2'])
    const u = await up.next()
    expect(u.request.headers['sec-websocket-protocol']).toBe('chat.v1,chat.v2')
    expect(u.socket.protocol).toBe('chat.v2')
    expect(c.socket.protocol).toBe('chat.v2')
    expect((await ws.nextConnection()).protocol).toBe('chat.v2')
  })

  it('closes the client with 1014 when the upstream answers without any of the offered subprotocols', async () => {
    const up = await upstream({ handleProtocols: () => false })
    const ws = await mock(mockWs().proxy(up.url))
    const direct = await new Promise<string>((resolve) => new WebSocket(up.url, ['chat.v1']).once('error', (e) => resolve(e.message)))
    expect(direct).toBe('Server sent no subprotocol')
    const c = await client(ws.url, ['chat.v1'])
    expect(await c.closed).toMatchInlineSnapshot(`
      {
        "code": 1014,
        "reason": "upstream handshake failed: Server sent no subprotocol",
      }
    `)
  })

  it('appends the client query to the upstream URL, and keeps the upstream path fixed by default', async () => {
    const up = await upstream()
    const ws = await mock(mockWs().proxy(`${up.url}?token=abc`))
    await client(`${ws.url}?room=7&lang=en`)
    expect((await up.next()).request.url).toBe('/feed?token=abc&room=7&lang=en')
  })

  it("appends the client's path with path: 'append', and drops its query with query: 'fixed'", async () => {
    const up = await upstream()
    const ws = await mock(mockWs({ path: '*' }).proxy(`${up.url}/`, { path: 'append', query: 'fixed' }))
    await client(`ws://127.0.0.1:${ws.port}/rooms/42?ignored=1`)
    expect((await up.next()).request.url).toBe('/feed/rooms/42')
  })

  it('never lets the request choose the host: odd paths and a forged Host header still reach the configured upstream', async () => {
    const up = await upstream()
    const ws = await mock(mockWs({ path: '*' }).proxy(up.url, { path: 'append' }))
    await client(`ws://127.0.0.1:${ws.port}//evil.invalid/x?next=ws://evil.invalid`, undefined, { headers: { host: 'evil.invalid' } })
    const u = await up.next()
    expect(u.request.headers.host).toBe(`127.0.0.1:${up.port}`)
    // `//evil.invalid/x` is read as a path with an authority; only its path is used.
    expect(u.request.url).toBe('/feed/x?next=ws%3A%2F%2Fevil.invalid')
  })

  it('forwards only allow-listed headers: never Host, credentials only when configured', async () => {
    const up = await upstream()
    const headers = { origin: 'http://app.test', authorization: 'Bearer client', cookie: 'sid=1', 'x-secret': 's', 'user-agent': 'test-agent' }
    const plain = await mock(mockWs().proxy(up.url))
    await client(plain.url, undefined, { headers })
    const seen = (await up.next()).request.headers
    expect(seen).toMatchObject({ origin: 'http://app.test', 'user-agent': 'test-agent' })
    expect(seen).not.toHaveProperty('authorization')
    expect(seen).not.toHaveProperty('cookie')
    expect(seen).not.toHaveProperty('x-secret')

    const configured = await mock(mockWs().proxy(up.url, { headers: { forward: ['cookie', 'X-Secret'], set: { authorization: 'Bearer upstream-token' } } }))
    await client(configured.url, undefined, { headers })
    const seen2 = (await up.next()).request.headers
    expect(seen2).toMatchObject({ cookie: 'sid=1', 'x-secret': 's', authorization: 'Bearer upstream-token' })
    expect(seen2).not.toHaveProperty('origin')
  })

  it('refuses a config that would forward Host or is not a ws:// URL, listing every problem', () => {
    expect(() => mockWs().proxy('http://example.test/ws', { headers: { forward: ['Host'] }, connectTimeoutMs: -1 })).toThrowErrorMatchingInlineSnapshot(
      `[MockWsError: Failed to configure proxy: upstreamUrl "http://example.test/ws" must use ws:// or wss://; headers.forward lists "Host", which is never forwarded (the upstream gets its own); connectTimeoutMs must be a positive number, got -1. See docs/proxy-and-record.md for the options.]`,
    )
  })

  it('routes per path: exact and * segment rules choose another upstream or the local scenario', async () => {
    const main = await upstream()
    const other = await upstream({ onConnection: (c) => c.socket.send('from the other upstream') })
    const ws = await mock(
      mockWs({ path: '*' })
        .send('local scenario')
        .proxy(main.url, {
          rules: [
            { pattern: '/local/*', local: true },
            { pattern: '/other', upstreamUrl: other.url },
          ],
        }),
    )
    const base = `ws://127.0.0.1:${ws.port}`
    const local = await client(`${base}/local/room-1`)
    expect(await local.next()).toBe('local scenario')
    const toOther = await client(`${base}/other`)
    expect(await toOther.next()).toBe('from the other upstream')
    const proxied = await client(`${base}/anything/else`)
    proxied.send('hi')
    expect(await proxied.next()).toBe('echo:hi')
    // `*` is one segment: /local alone and /local/a/b are proxied, not local.
    const notLocal = await client(`${base}/local/a/b`)
    notLocal.send('x')
    expect(await notLocal.next()).toBe('echo:x')
    expect(main.all).toHaveLength(2)
    expect(other.all).toHaveLength(1)
  })

  it('with shouldProxy: false serves unmatched paths locally', async () => {
    const up = await upstream()
    const ws = await mock(mockWs({ path: '*' }).proxy(up.url, { shouldProxy: false, rules: [{ pattern: '/live' }] }))
    const local = await client(`ws://127.0.0.1:${ws.port}/ws`)
    local.send('echoed by the mock')
    expect(await local.next()).toBe('echoed by the mock')
    const live = await client(`ws://127.0.0.1:${ws.port}/live`)
    live.send('x')
    expect(await live.next()).toBe('echo:x')
    expect(up.all).toHaveLength(1)
  })

  it('rewrites and drops messages in either direction with transform', async () => {
    const up = await upstream()
    const seen: string[] = []
    const ws = await mock(
      mockWs().proxy(up.url, {
        transform: (message, direction) => {
          seen.push(`${direction}:${String(message)}`)
          if (message === 'drop me') return null
          if (typeof message === 'string') return direction === 'in' ? message.toUpperCase() : `${message}!`
          return undefined
        },
      }),
    )
    const c = await client(ws.url)
    const u = await up.next()
    c.send('drop me')
    c.send('hello')
    expect((await u.messages.take(1000, 'hello')).data).toBe('HELLO')
    expect(await c.next()).toBe('echo:HELLO!')
    c.send(Buffer.from([1, 2]))
    expect((await c.nextFrame()).data).toEqual(Buffer.from([1, 2]))
    expect(seen).toEqual(['in:drop me', 'in:hello', 'out:echo:HELLO', 'in:\u0001\u0002', 'out:\u0001\u0002'])
    expect(u.messages.drain()).toEqual([{ data: Buffer.from([1, 2]), isBinary: true }])
  })

  it('a throwing transform closes that client with 1011 and keeps serving others', async () => {
    const up = await upstream()
    const ws = await mock(
      mockWs().proxy(up.url, {
        transform: (m) => {
          if (m === 'boom') throw new Error('bad message')
          return undefined
        },
      }),
    )
    const c = await client(ws.url)
    c.send('boom')
    expect(await c.closed).toEqual({ code: 1011, reason: 'mockforge-ws proxy: message transform failed' })
    const d = await client(ws.url)
    d.send('fine')
    expect(await d.next()).toBe('echo:fine')
    expect(ws.metrics.errors).toBe(1)
  })

  it('serves 32 concurrent proxied clients without cross-talk', async () => {
    const up = await upstream()
    const ws = await mock(mockWs().proxy(up.url))
    const clients = await Promise.all(Array.from({ length: 32 }, (_, i) => client(`${ws.url}?client=${i}`)))
    const rounds = 20
    for (let r = 0; r < rounds; r++) clients.forEach((c, i) => c.send(`c${i}-m${r}`))
    await Promise.all(
      clients.map(async (c, i) => {
        for (let r = 0; r < rounds; r++) expect(await c.next()).toBe(`echo:c${i}-m${r}`)
      }),
    )
    expect(up.all).toHaveLength(32)
    for (const u of up.all) {
      const i = Number(new URL(u.request.url ?? '', 'http://x').searchParams.get('client'))
      expect(u.messages.drain().map((m) => m.data)).toEqual(Array.from({ length: rounds }, (_, r) => `c${i}-m${r}`))
    }
    expect(ws.metrics).toMatchObject({ connectionsActive: 32, messagesIn: 32 * rounds, messagesOut: 32 * rounds, errors: 0 })
  })

  it('closes its upstreams when the mock closes: the upstream sees the 1001 the client got', async () => {
    const up = await upstream()
    const ws = await mockWs().proxy(up.url)
    const c = await connectClient(ws.url)
    const u = await up.next()
    await ws.close()
    expect(await c.closed).toEqual({ code: 1001, reason: 'mock server closed' })
    expect(await u.closed).toEqual({ code: 1001, reason: 'mock server closed' })
    await up.close()
  })
})
