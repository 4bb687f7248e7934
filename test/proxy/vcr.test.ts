import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { mockWs } from '../../src/server/builder.js'
import { ScenarioFailureError } from '../../src/server/mock-ws.js'
import { vcrMode } from '../../src/proxy/vcr.js'
import { connectClient } from '../support/client.js'
import { useTestScope } from '../support/scope.js'
import { startUpstream, type Upstream, type UpstreamConnection } from './support.js'

const scope = useTestScope({ tempDir: 'mockforge-ws-vcr-' })

afterEach(() => {
  vi.unstubAllEnvs()
})

/** An upstream that greets `{type:'hello'}` with a welcome naming its version, and answers `{type:'get', ref}` with the ref. */
function service(version: string): (u: UpstreamConnection) => void {
  return (u) =>
    u.socket.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as { type: string; ref?: string }
      if (m.type === 'hello') u.socket.send(JSON.stringify({ type: 'welcome', version }))
      if (m.type === 'get') u.socket.send(JSON.stringify({ type: 'item', ref: m.ref, name: 'widget' }))
    })
}

async function upstream(version: string): Promise<Upstream> {
  const up = await startUpstream({ onConnection: service(version) })
  scope.defer(() => up.close())
  return up
}

/** What a real client does: a hello with a timestamp and a nonce, then a request with a fresh ref. */
async function session(url: string): Promise<unknown[]> {
  const c = await connectClient(url)
  c.send(JSON.stringify({ type: 'hello', at: Date.now(), nonce: crypto.randomUUID() }))
  const welcome = JSON.parse(String(await c.next())) as unknown
  const ref = `ref-${Math.floor(Math.random() * 1e9)}`
  c.send(JSON.stringify({ type: 'get', ref }))
  const item = JSON.parse(String(await c.next())) as { ref: string }
  expect(item.ref).toBe(ref)
  await c.close()
  return [welcome, { ...item, ref: 'fresh' }]
}

describe('mockWs().vcr(): record once, replay after, re-record on demand', () => {
  it('records on the first run, replays with the upstream stopped, re-records with MOCKFORGE_WS_UPDATE=1', async () => {
    const file = join(scope.dir, 'service.jsonl')
    const v1 = await upstream('v1')
    expect(vcrMode(file)).toBe('record')
    const first = await mockWs().vcr(file, { upstream: v1.url })
    const live = await session(first.url)
    await first.close()
    expect(live).toEqual([{ type: 'welcome', version: 'v1' }, { type: 'item', ref: 'fresh', name: 'widget' }])
    expect(v1.all).toHaveLength(1)
    expect(existsSync(file)).toBe(true)
    await v1.close()

    expect(vcrMode(file)).toBe('replay')
    const second = await mockWs({ strict: true }).vcr(file, { upstream: v1.url })
    expect(await session(second.url)).toEqual(live)
    await second.close() // strict: rejects on any failure

    const v2 = await upstream('v2')
    vi.stubEnv('MOCKFORGE_WS_UPDATE', '1')
    expect(vcrMode(file)).toBe('record')
    const third = await mockWs().vcr(file, { upstream: v2.url })
    expect((await session(third.url))[0]).toEqual({ type: 'welcome', version: 'v2' })
    await third.close()
    expect(v2.all).toHaveLength(1)
    expect(await readFile(file, 'utf8')).toContain('\\"version\\":\\"v2\\"')
    vi.unstubAllEnvs()
    expect(vcrMode(file, { update: true })).toBe('record')
  })

  it('with {connection} in the name, connection N replays file N and a connection beyond them fails', async () => {
    const file = join(scope.dir, 'conn-{connection}.jsonl')
    const up = await upstream('v1')
    const recording = await mockWs().vcr(file, { upstream: up.url })
    await session(recording.url)
    await session(recording.url)
    await recording.close()
    await up.close()
    expect([1, 2, 3].map((n) => existsSync(join(scope.dir, `conn-${n}.jsonl`)))).toEqual([true, true, false])

    const replay = await mockWs({ strict: true }).vcr(file, { upstream: up.url })
    expect(await session(replay.url)).toHaveLength(2)
    expect(await session(replay.url)).toHaveLength(2)
    const third = await connectClient(replay.url)
    expect(await third.closed).toEqual({ code: 1011, reason: 'no recording for connection #3' })
    const error = await replay.close().then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(ScenarioFailureError)
    expect((error as ScenarioFailureError).failures.map((f) => f.message)).toEqual([`no recording for connection #3: ${file} holds 2; record again with MOCKFORGE_WS_UPDATE=1`])
  })

  it('rejects bad arguments before anything starts, all at once', () => {
    expect(() => mockWs().vcr('', { upstream: '', inbound: 'loose' as 'json' })).toThrowErrorMatchingInlineSnapshot(
      `[MockWsError: Failed to configure vcr(): file must be a path, got ""; upstream must be the ws:// or wss:// URL to record from, got "". See docs/proxy-and-record.md (VCR workflow).]`,
    )
    expect(() => mockWs().vcr(join(scope.dir, 'x.jsonl'), { upstream: 'ws://127.0.0.1:1/x', ignore: ['nope'] })).toThrow(/ignore\[0\] "nope" is not a JSON path/)
  })
})

describe('volatile values and ignore (a client sending { at: Date.now(), nonce: uuid })', () => {
  async function recordWith(opts: object): Promise<string> {
    const up = await upstream('v1')
    const file = join(scope.dir, `rec-${Math.random().toString(36).slice(2)}.jsonl`)
    const proxy = await mockWs().proxy(up.url, { record: { file, ...opts } })
    await session(proxy.url)
    await proxy.close()
    await up.close()
    return file
  }

  async function replays(file: string): Promise<boolean> {
    const mock = await mockWs({ strict: true, timeoutMs: 1000 }).replay(file)
    // A mismatch leaves the client waiting for an answer; close() then ends its connection.
    const played = await session(mock.url).then(
      () => true,
      () => false,
    )
    const clean = await mock.close().then(
      () => true,
      (e: unknown) => {
        if (!(e instanceof ScenarioFailureError)) throw e
        return false
      },
    )
    return played && clean
  }

  it('replays with the defaults, fails with volatile: none, replays again with ignore', async () => {
    expect(await replays(await recordWith({}))).toBe(true)
    const exact = await recordWith({ volatile: 'none' })
    expect(await readFile(exact, 'utf8')).toMatch(/"nonce":"[0-9a-f-]{36}"/)
    expect(await replays(exact)).toBe(false)
    expect(await replays(await recordWith({ volatile: 'none', ignore: ['$.at', '$.nonce'] }))).toBe(true)
  })
})

describe('literal server text next to correlated ids', () => {
  /** Answers a subscribe with text full of template syntax of its own, and the subscription id. */
  const literal = (id: string): string => `{"id":"${id}","tpl":"{{user}} {{uuid}} \\\\{{x}} {{match.id}}"}`

  async function recordLiteral(opts: object): Promise<string> {
    const up = await startUpstream({
      onConnection: (u) =>
        u.socket.on('message', (raw) => {
          const m = JSON.parse(raw.toString()) as { id: string }
          u.socket.send(literal(m.id))
        }),
    })
    const file = join(scope.dir, `literal-${Math.random().toString(36).slice(2)}.jsonl`)
    const proxy = await mockWs().proxy(up.url, { record: { file, ...opts } })
    const c = await connectClient(proxy.url)
    const id = crypto.randomUUID()
    c.send(JSON.stringify({ type: 'subscribe', id }))
    expect(await c.next()).toBe(literal(id))
    await c.close()
    await proxy.close()
    await up.close()
    return file
  }

  it('replays the server {{ byte for byte beside the {{match.id}} it inserts, and with templates off when not correlated', async () => {
    const correlated = await recordLiteral({})
    expect(await readFile(correlated, 'utf8')).toContain('{{match.id}}')
    const on = await mockWs({ strict: true }).replay(correlated)
    const c = await connectClient(on.url)
    const fresh = crypto.randomUUID()
    c.send(JSON.stringify({ type: 'subscribe', id: fresh }))
    expect(await c.next()).toBe(literal(fresh))
    await c.close()
    await on.close()

    const plain = await recordLiteral({ correlate: false })
    const recordedId = /\\"id\\":\\"([0-9a-f-]{36})/.exec(await readFile(plain, 'utf8'))?.[1] ?? ''
    expect(recordedId).not.toBe('')
    const off = await mockWs({ strict: true, expandTemplates: false }).replay(plain)
    const d = await connectClient(off.url)
    d.send(JSON.stringify({ type: 'subscribe', id: crypto.randomUUID() }))
    expect(await d.next()).toBe(literal(recordedId))
    await d.close()
    await off.close()
  })
})
