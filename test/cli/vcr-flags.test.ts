import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { registerImportHar } from '../../src/cli/import-har.js'
import { connectClient } from '../support/client.js'
import { useCli } from '../support/cli.js'
import { useTestScope } from '../support/scope.js'
import { startUpstream, type Upstream } from '../proxy/support.js'

const FIXTURE = 'test/fixtures/devtools-chat.har'

const scope = useTestScope({ tempDir: 'mockforge-ws-vcr-cli-' })
// After useTestScope: the processes stop before the scope closes the upstreams they talk to.
const start = useCli()

describe('import-har', () => {
  it('writes the replay file with the record-option flags, quiet when not on a terminal', async () => {
    const out = join(scope.dir, 'chat.jsonl')
    const p = start(['import-har', FIXTURE, '--url', 'ws://localhost:8080/chat', '--out', out, '--inbound', 'exact', '--no-correlate'])
    expect(await p.exited).toBe(0)
    expect(p.stdout()).toBe(`wrote 7 entries to ${out}\n`)
    expect(p.stderr()).toBe('')
    const lines = (await readFile(out, 'utf8')).trimEnd().split('\n')
    expect(lines[1]).toBe('{"ts":50,"dir":"in","text":"{\\"type\\":\\"join\\",\\"room\\":\\"lobby\\",\\"clientId\\":\\"c-4f8a91d2\\",\\"at\\":\\"2026-11-30T10:00:00.049Z\\"}"}')
    expect(lines[2]).toBe('{"ts":61,"dir":"out","text":"{\\"type\\":\\"joined\\",\\"clientId\\":\\"c-4f8a91d2\\",\\"members\\":3}"}')
  })

  it('draws a progress line on a terminal', async () => {
    const drawn: string[] = []
    const lines: string[] = []
    const program = new Command().exitOverride()
    registerImportHar(program, { out: (l) => lines.push(l), err: (l) => lines.push(l) }, { isTTY: true, write: (t) => drawn.push(t) })
    const out = join(scope.dir, 'tty.jsonl')
    await program.parseAsync(['import-har', FIXTURE, '--out', out, '--ignore', '$.at'], { from: 'user' })
    expect(drawn).toEqual(['\r\x1b[2Kimporting messages 0/7', '\r\x1b[2Kimporting messages 7/7', '\n'])
    expect(lines).toEqual([`wrote 7 entries to ${out}`])
  })

  it('fails with the WebSockets the file has when --url matches none, and on a bad --ignore path', async () => {
    const none = start(['import-har', FIXTURE, '--url', 'wss://nope.example/*', '--out', join(scope.dir, 'x.jsonl')])
    expect(await none.exited).toBe(1)
    expect(none.stderr()).toContain('no WebSocket matches wss://nope.example/*. WebSockets in the file: ws://localhost:8080/chat?room=1, ws://localhost:8080/other.')
    const bad = start(['import-har', FIXTURE, '--out', join(scope.dir, 'y.jsonl'), '--ignore', 'at'])
    expect(await bad.exited).toBe(1)
    expect(bad.stderr()).toContain('Failed to configure import-har: ignore[0] "at" is not a JSON path like $.payload.ts.')
  })
})

describe('record with record-option flags', () => {
  it('--inbound any writes any-frame steps', async () => {
    const up: Upstream = await startUpstream()
    scope.defer(() => up.close())
    const out = join(scope.dir, 'rec.jsonl')
    const p = start(['record', '--upstream', up.url, '--out', out, '--port', '0', '--inbound', 'any'])
    const url = /listening on (\S+)/.exec(await p.line())?.[1] ?? ''
    await p.line() // the note about {connection}
    const c = await connectClient(url)
    c.send('{"type":"hello"}')
    expect(await c.next()).toBe('echo:{"type":"hello"}')
    await c.close()
    expect(await p.line()).toBe(`recorded connection #1: 2 entries -> ${out}`)
    const entries = (await readFile(out, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(entries.map(({ ts: _ts, ...rest }) => rest)).toEqual([
      { dir: 'in', match: '[\\s\\S]*' },
      { dir: 'out', text: 'echo:{"type":"hello"}' },
    ])
    p.child.kill('SIGINT')
    expect(await p.exited).toBe(0)
  })
})
