import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { mockWs } from '../../src/server/builder.js'
import { connectClient } from '../support/client.js'
import { listeningUrl, useCli } from '../support/cli.js'
import { useTestScope } from '../support/scope.js'
import { startUpstream, type Upstream } from '../proxy/support.js'

const scope = useTestScope({ tempDir: 'mockforge-ws-record-cli-' })
// After useTestScope: the processes stop before the scope closes the upstreams they talk to.
const start = useCli()

async function upstream(): Promise<Upstream> {
  const up = await startUpstream()
  scope.defer(() => up.close())
  return up
}

describe('mockforge-ws record', () => {
  it('proxies to the upstream, writes the session on SIGINT, and the file replays against a fresh client', async () => {
    const up = await upstream()
    const out = join(scope.dir, 'session.jsonl')
    const p = start(['record', '--upstream', `${up.url}?key=1`, '--out', out, '--port', '0'])
    const url = await listeningUrl(p)
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/)
    expect(await p.line()).toBe('only the first connection is written; put {connection} in --out to keep every connection')

    const c = await connectClient(`${url}live?room=3`)
    c.send('hello')
    expect(await c.next()).toBe('echo:hello')
    const u = await up.next()
    expect(u.request.url).toBe('/feed?key=1&room=3')
    u.socket.send(Buffer.from([1, 2, 3]))
    expect(await c.next()).toEqual(Buffer.from([1, 2, 3]))

    p.child.kill('SIGINT')
    expect(await c.closed).toEqual({ code: 1001, reason: 'mock server closed' })
    expect(await p.exited).toBe(0)
    expect(p.stdout()).toContain(`recorded connection #1: 3 entries -> ${out}\n`)
    expect(p.stdout()).toMatch(/received SIGINT, closing\n(.*\n)*closed\n$/)
    expect((await u.closed).code).toBe(1001)

    const text = await readFile(out, 'utf8')
    const entries = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(entries.map(({ ts: _ts, ...rest }) => rest)).toEqual([
      { dir: 'in', text: 'hello' },
      { dir: 'out', text: 'echo:hello' },
      { dir: 'out', binary: 'AQID' },
      // Stopping the recorder is not a close of the upstream's: the file ends with the last frame.
    ])

    const replay = await mockWs({ strict: true }).replay(out)
    scope.defer(() => replay.close())
    const fresh = await connectClient(replay.url)
    fresh.send('hello')
    expect(await fresh.next()).toBe('echo:hello')
    expect(await fresh.next()).toEqual(Buffer.from([1, 2, 3]))
    // The replay leaves the connection open at the end of the file, as the upstream did.
    expect(fresh.socket.readyState).toBe(fresh.socket.OPEN)
    await fresh.close()
    expect(replay.failures).toEqual([])
  })

  it('fails with a clear message when the upstream URL is not ws://', async () => {
    const p = start(['record', '--upstream', 'http://example.test', '--out', join(scope.dir, 'x.jsonl'), '--port', '0'])
    expect(await p.exited).toBe(1)
    expect(p.stderr()).toMatchInlineSnapshot(`
      "mockforge-ws: Failed to configure proxy: upstreamUrl "http://example.test" must use ws:// or wss://. See docs/proxy-and-record.md for the options.
      "
    `)
  })
})

describe('mockforge-ws serve --proxy', () => {
  it('forwards to the upstream from MOCKFORGE_WS_PROXY_UPSTREAM_URL and records with --record', async () => {
    const up = await upstream()
    const out = join(scope.dir, 'conn-{connection}.jsonl')
    const p = start(['serve', '--port', '0', '--record', out], { MOCKFORGE_WS_PROXY_UPSTREAM_URL: up.url })
    const first = await p.line()
    expect(first).toContain(`(proxying to ${up.url}, recording to ${out})`)
    const url = /listening on (ws:\/\/\S+)/.exec(first)?.[1] ?? ''
    const c = await connectClient(url)
    c.send('via serve')
    expect(await c.next()).toBe('echo:via serve')
    await c.close()
    p.child.kill('SIGTERM')
    expect(await p.exited).toBe(0)
    expect(await readFile(join(scope.dir, 'conn-1.jsonl'), 'utf8')).toMatch(/^\{"ts":\d+,"dir":"in","text":"via serve"\}\n\{"ts":\d+,"dir":"out","text":"echo:via serve"\}\n$/)
  })
})
