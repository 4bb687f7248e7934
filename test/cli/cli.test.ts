import http from 'node:http'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { connectClient } from '../support/client.js'
import { listeningUrl, useCli } from '../support/cli.js'

const start = useCli()

function get(url: string): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }))
    }).on('error', reject)
  })
}

describe('mockforge-ws serve', () => {
  it('prints its URL, serves the example replay, exposes /healthz and /metrics, and stops on SIGTERM', async () => {
    const p = start(['serve', '--port', '0', '--replay', 'examples/chat.jsonl', '--seed', '7'])
    const url = await listeningUrl(p)
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/)
    const client = await connectClient(url)
    const welcome = JSON.parse(String(await client.next())) as { type: string; sessionId: string }
    expect(welcome.type).toBe('welcome')
    expect(JSON.parse(String(await client.next()))).toMatchObject({ type: 'message', seq: 1, from: 'alice' })
    client.send('hello from the test')
    expect(JSON.parse(String(await client.next()))).toMatchObject({ from: 'bob', text: 'you said: hello from the test' })

    const base = url.replace('ws://', 'http://').replace(/\/ws$/, '')
    const health = await get(`${base}/healthz`)
    expect(health.status).toBe(200)
    expect(JSON.parse(health.body)).toEqual({ status: 'ok', connections: 1 })
    const metrics = await get(`${base}/metrics`)
    expect(metrics.type).toContain('text/plain')
    expect(metrics.body).toMatch(/^mockforge_ws_connections_active 1$/m)
    expect(metrics.body).toMatch(/^mockforge_ws_messages_received_total 1$/m)

    p.child.kill('SIGTERM')
    expect((await client.closed).code).toBe(1001)
    expect(await p.exited).toBe(0)
    expect(p.stdout()).toContain('received SIGTERM, closing\nclosed\n')
  })

  it('takes its settings from MOCKFORGE_WS_* variables and stops on SIGINT', async () => {
    const p = start(['serve'], {
      MOCKFORGE_WS_PORT: '0',
      MOCKFORGE_WS_HOST: '127.0.0.1',
      MOCKFORGE_WS_REPLAY_FILE: 'examples/mockforge-basic.jsonl',
      MOCKFORGE_RESPONSE_TEMPLATE_EXPAND: '0',
    })
    const url = await listeningUrl(p)
    const client = await connectClient(url)
    client.send('CLIENT_READY')
    expect(await client.next()).toBe('HELLO {{uuid}}')
    p.child.kill('SIGINT')
    expect(await p.exited).toBe(0)
  })

  it('fails clearly on a bad replay file without listening', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mfws-'))
    const file = join(dir, 'bad.jsonl')
    writeFileSync(file, '{"ts":0,"dir":"out","text":"{{nope}}"}\n')
    const p = start(['serve', '--port', '0', '--replay', file])
    expect(await p.exited).toBe(1)
    expect(p.stdout()).toBe('')
    expect(p.stderr()).toContain(`${file}:1:`)
    expect(p.stderr()).toContain('unknown token {{nope}}')
  })

  it('warns when exposed on 0.0.0.0', async () => {
    const p = start(['serve', '--port', '0', '--host', '0.0.0.0'])
    await listeningUrl(p)
    expect(p.stderr()).toMatch(/warning: listening on 0\.0\.0\.0 exposes the mock/)
    p.child.kill('SIGTERM')
    expect(await p.exited).toBe(0)
  })

  it('a command-line client from the shell receives the example replay', async () => {
    const p = start(['serve', '--port', '0', '--replay', 'examples/chat.jsonl'])
    const url = await listeningUrl(p)
    const client = spawn(process.execPath, ['examples/client.mjs', url], { stdio: 'pipe' })
    let out = ''
    const gotAlice = new Promise<void>((resolve) =>
      client.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk
        if (out.includes('"from":"alice"')) resolve()
      }),
    )
    await gotAlice
    expect(out).toMatch(/^connected to ws:\/\//)
    expect(out).toContain('< {"type":"welcome","sessionId":"')
    client.stdin.end()
    client.kill('SIGTERM')
    await new Promise((resolve) => client.on('close', resolve))
    p.child.kill('SIGTERM')
    expect(await p.exited).toBe(0)
  })
})

describe('mockforge-ws validate', () => {
  it('exits 0 for good files and 1 with file:line:column for bad ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mfws-'))
    const bad = join(dir, 'bad.jsonl')
    writeFileSync(bad, ['{"ts":0,"dir":"out","text":"ok"}', '{"ts":0,"dir":"sideways","text":"x"}', '{"ts":0,"dir":"out","text":"x"'].join('\n'))
    const good = start(['validate', 'examples/chat.jsonl', 'examples/mockforge-basic.jsonl'])
    expect(await good.exited).toBe(0)
    expect(good.stdout()).toBe('ok examples/chat.jsonl: 6 entries\nok examples/mockforge-basic.jsonl: 3 entries\n')
    const p = start(['validate', 'examples/chat.jsonl', bad])
    expect(await p.exited).toBe(1)
    const errors = p.stderr().trim().split('\n')
    expect(errors[0]).toMatch(new RegExp(`^${bad}:2:\\d+: .*dir`))
    expect(errors[1]).toMatch(new RegExp(`^${bad}:3:\\d+: `))
    expect(errors.at(-1)).toBe('1 of 2 files invalid')
  })
})
