import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { mockWs } from '../../src/server/builder.js'
import { routerWithProxy } from '../../src/server/router.js'
import { WsProxyHandler } from '../../src/proxy/proxy-handler.js'
import type { RecordedFile } from '../../src/proxy/recorder.js'
import { connectClient } from '../support/client.js'
import { useTestScope } from '../support/scope.js'
import { echoPrefixed, startUpstream, type Upstream, type UpstreamConnection } from './support.js'

/** Gap the upstream leaves between its two answers; the replay must keep it. */
const GAP_MS = 150

const scope = useTestScope({ tempDir: 'mockforge-ws-record-' })

/** An upstream with a little protocol: hello → "a", then "b" GAP_MS later; bye → close 4000. */
function conversation(u: UpstreamConnection): void {
  u.socket.on('message', (raw, isBinary) => {
    const text = raw.toString()
    if (isBinary) u.socket.send(raw, { binary: true })
    else if (text === 'hello') {
      u.socket.send('a')
      setTimeout(() => u.socket.send('b'), GAP_MS)
    } else if (text === 'bye') u.socket.close(4000, 'done')
  })
}

async function upstream(onConnection: (u: UpstreamConnection) => void = echoPrefixed): Promise<Upstream> {
  const up = await startUpstream({ onConnection })
  scope.defer(() => up.close())
  return up
}

/** Plays the conversation from the client's side; returns the arrival gap between "a" and "b". */
async function converse(url: string): Promise<{ gap: number; close: { code: number; reason: string } }> {
  const c = await connectClient(url)
  c.send('hello')
  expect(await c.next()).toBe('a')
  expect(await c.next(2000)).toBe('b')
  c.send(Buffer.from([7, 8, 9]))
  expect(await c.next()).toEqual(Buffer.from([7, 8, 9]))
  c.send('bye')
  const close = await c.closed
  const [a = 0, b = 0] = c.arrivals
  return { gap: b - a, close }
}

describe('record: proxied traffic becomes a replay file that plays back the same', () => {
  it('records with real timing and replays against a fresh client with the same messages, order and gaps', async () => {
    const up = await upstream(conversation)
    const file = join(scope.dir, 'session.jsonl')
    const written: RecordedFile[] = []
    const proxy = await mockWs().proxy(up.url, { record: { file, onWrite: (r) => written.push(r) } })
    const live = await converse(proxy.url)
    expect(live.close).toEqual({ code: 4000, reason: 'done' })
    await proxy.close()
    expect(written).toEqual([{ connection: 1, file, entries: 7 }])

    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines.map(({ ts: _ts, ...rest }) => rest)).toEqual([
      { dir: 'in', text: 'hello' },
      { dir: 'out', text: 'a' },
      { dir: 'out', text: 'b' },
      { dir: 'in', binary: Buffer.from([7, 8, 9]).toString('base64') },
      { dir: 'out', binary: Buffer.from([7, 8, 9]).toString('base64') },
      { dir: 'in', text: 'bye' },
      { dir: 'out', close: { code: 4000, reason: 'done' } },
    ])
    const ts = lines.map((l) => l.ts as number)
    // Recorded at the proxy as the frames arrive: a late first frame shortens the gap, so it is tolerant.
    expect(ts[2]! - ts[1]!).toBeGreaterThanOrEqual(GAP_MS / 2)
    expect(ts[2]! - ts[1]!).toBeLessThan(GAP_MS + 1000)

    // The upstream is gone; the recording alone answers a fresh client the same way.
    await up.close()
    const replay = await mockWs({ strict: true }).replay(file)
    scope.defer(() => replay.close())
    const replayed = await converse(replay.url)
    expect(replayed.close).toEqual({ code: 4000, reason: 'done' })
    // The replay keeps the recorded offsets from its anchor (the client's "hello"), as the server sent them:
    // timers never fire early, so this holds on a loaded machine too; the client's own arrival gap does not.
    const frames = replay.transcript.filter((f) => f.connection === 1)
    const hello = frames.find((f) => f.dir === 'in' && f.text === 'hello')
    const b = frames.find((f) => f.dir === 'out' && f.text === 'b')
    expect(b!.ts - hello!.ts).toBeGreaterThanOrEqual(ts[2]! - ts[0]! - 2)
    expect(b!.ts - hello!.ts).toBeLessThan(ts[2]! - ts[0]! + 1000)
    expect(replayed.gap).toBeLessThan(ts[2]! - ts[1]! + 1000)
  })

  it('writes one file per connection when the name has {connection}, as each connection closes', async () => {
    const up = await upstream()
    const written: RecordedFile[] = []
    const proxy = await mockWs().proxy(up.url).record({ file: join(scope.dir, 'nested', 'conn-{connection}.jsonl'), onWrite: (r) => written.push(r) })
    scope.defer(() => proxy.close())
    const first = await connectClient(proxy.url)
    const second = await connectClient(proxy.url)
    first.send('one')
    second.send('two')
    expect(await first.next()).toBe('echo:one')
    expect(await second.next()).toBe('echo:two')
    await second.close()
    await first.close()
    await proxy.close()
    expect(written.map((w) => w.connection)).toEqual([2, 1])
    expect(await readFile(join(scope.dir, 'nested', 'conn-1.jsonl'), 'utf8')).toMatch(/^\{"ts":\d+,"dir":"in","text":"one"\}\n\{"ts":\d+,"dir":"out","text":"echo:one"\}\n$/)
    expect(await readFile(join(scope.dir, 'nested', 'conn-2.jsonl'), 'utf8')).toContain('"text":"echo:two"')
  })

  it('without {connection} in the name only the first connection is written; close() waits for the write', async () => {
    const up = await upstream()
    const file = join(scope.dir, 'first.jsonl')
    const proxy = await mockWs().proxy(up.url, { record: { file } })
    const first = await connectClient(proxy.url)
    const second = await connectClient(proxy.url)
    second.send('second')
    await second.next()
    await second.close()
    first.send('first')
    await first.next()
    // The first connection is still open: close() closes it (1001) and resolves after the file is written.
    // That 1001 is the recorder's own shutdown, not the upstream's doing, so it is not in the file.
    await proxy.close()
    expect(await readFile(file, 'utf8')).toMatch(/^\{"ts":\d+,"dir":"in","text":"first"\}\n\{"ts":\d+,"dir":"out","text":"echo:first"\}\n$/)
  })

  it('record: true keeps the traffic as ws.toJSONL({ connection })', async () => {
    const up = await upstream()
    const proxy = await mockWs().proxy(up.url, { record: true })
    scope.defer(() => proxy.close())
    const c = await connectClient(proxy.url)
    scope.defer(() => c.close())
    c.send('x')
    await c.next()
    expect(proxy.toJSONL({ connection: 1 })).toMatch(/^\{"ts":\d+,"dir":"in","text":"x"\}\n\{"ts":\d+,"dir":"out","text":"echo:x"\}\n$/)
  })
})

describe('routerWithProxy on an existing http.Server', () => {
  it('forwards upgrades on its path to the upstream and closes its upstreams with close()', async () => {
    const up = await upstream()
    const server = http.createServer((_req, res) => res.end('app'))
    const ws = routerWithProxy(new WsProxyHandler({ upstreamUrl: up.url, shouldProxy: true }), { path: '/ws' })
    server.on('upgrade', ws.handleUpgrade)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    scope.defer(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const port = (server.address() as AddressInfo).port
    const c = await connectClient(`ws://127.0.0.1:${port}/ws?x=1`)
    c.send('via router')
    expect(await c.next()).toBe('echo:via router')
    const u = await up.next()
    expect(u.request.url).toBe('/feed?x=1')
    await ws.close()
    expect((await c.closed).code).toBe(1001)
    expect((await u.closed).code).toBe(1001)
  })
})
