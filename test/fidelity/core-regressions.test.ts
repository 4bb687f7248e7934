// Regression tests of issue #14 (core items 1, 2, 4, 5, 7, 12, 15): each failed before its fix.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest'
import { closeAllMocks, mockWs, Scenario } from '../../src/index.js'
import { connectClient, leakableResources, type TestClient } from '../support/client.js'
import { startUpstream, type Upstream } from '../proxy/support.js'

const clients: TestClient[] = []
const upstreams: Upstream[] = []
let dir = ''

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mockforge-fid-core-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close()
  await closeAllMocks()
  for (const u of upstreams.splice(0)) await u.close()
  // Node releases a closed listening handle a loop turn after its close callback.
  await vi.waitFor(() => expect(leakableResources().servers).toBe(0))
})

async function client(url: string): Promise<TestClient> {
  const c = await connectClient(url)
  clients.push(c)
  return c
}

describe('1. captures from the builder', () => {
  test('waitFor(RegExp) keeps its named groups for {{match.NAME}}', async () => {
    const ws = await mockWs({ strict: true }).waitFor(/^join (?<room>\w+)$/).send('in {{match.room}}')
    const c = await client(ws.url)
    c.send('join lobby')
    expect(await c.next()).toBe('in lobby')
  })

  test('expect(RegExp), flags included, keeps its named groups', async () => {
    const ws = await mockWs({ strict: true }).expect(/^hello (?<name>\w+)$/i).send('hi {{match.name}}')
    const c = await client(ws.url)
    c.send('HELLO ada')
    expect(await c.next()).toBe('hi ada')
  })

  test('Scenario.fromReplay of a file with match groups captures like the file', async () => {
    const s = Scenario.fromReplay('{"ts":0,"dir":"in","match":"^SUB (?<id>\\\\d+)$"}\n{"ts":0,"dir":"out","text":"ok {{match.id}}"}\n')
    const ws = await mockWs({ strict: true }).scenario(s)
    const c = await client(ws.url)
    c.send('SUB 42')
    expect(await c.next()).toBe('ok 42')
  })
})

describe('2. captures accumulate per connection', () => {
  test('a name keeps its value across later waits until captured again', async () => {
    const ws = await mockWs({ strict: true }).replay(
      [
        '{"ts":0,"dir":"in","match":"^SUB (?<id>\\\\w+)$"}',
        '{"ts":0,"dir":"out","text":"A {{match.id}}"}',
        '{"ts":0,"dir":"in","text":"PING"}',
        '{"ts":0,"dir":"out","text":"B {{match.id}}"}',
        '{"ts":0,"dir":"in","json":{"type":"resub"},"capture":{"id":"$.id"}}',
        '{"ts":0,"dir":"out","text":"C {{match.id}}"}',
      ].join('\n'),
    )
    const c = await client(ws.url)
    c.send('SUB x1')
    expect(await c.next()).toBe('A x1')
    c.send('PING')
    expect(await c.next()).toBe('B x1')
    c.send('{"type":"resub","id":"y2"}')
    expect(await c.next()).toBe('C y2')
  })
})

describe('4. messages that arrived before the close are matched first', () => {
  const strictAB = '{"ts":0,"dir":"in","text":"a"}\n{"ts":0,"dir":"in","text":"b"}\n'

  test('a client that sends a, b and closes at once passes a strict replay (ws)', async () => {
    const ws = await mockWs({ strict: true }).replay(strictAB)
    const c = await connectClient(ws.url)
    c.send('a')
    c.send('b')
    c.socket.close(1000)
    await c.closed
    await vi.waitFor(() => expect(ws.connections).toHaveLength(0))
    expect(ws.received.map((f) => f.text)).toEqual(['a', 'b'])
    expect(ws.failures).toEqual([])
    await ws.close()
  })

  test('a step that sends after the close is still reported', async () => {
    const ws = await mockWs().replay('{"ts":0,"dir":"in","text":"a"}\n{"ts":0,"dir":"out","text":"x","waitFor":"^b$"}\n')
    const c = await connectClient(ws.url)
    c.send('a')
    c.send('b')
    c.socket.close(1000)
    await vi.waitFor(() => expect(ws.failures.map((f) => [f.kind, f.step])).toEqual([['closed-with-steps-left', 2]]))
  })
})

describe('5. recordings are literal', () => {
  const literal = '{"seq":"{{seq}}","user":"{{user}}","esc":"\\\\{{x}}"}'

  test('toJSONL escapes {{ in server text only; the recording replays byte for byte with templates on or off', async () => {
    const source = await mockWs() // echo: the client's text comes back as server text
    const c = await client(source.url)
    c.send(literal)
    expect(await c.next()).toBe(literal)
    source.send('plain {{seq}}')
    expect(await c.next()).toBe('plain {{seq}}')
    // inbound: 'exact' keeps the client's text; the default ('json') writes it as a json matcher, unescaped too.
    expect(source.toReplay()[0]).toEqual({ ts: expect.any(Number), dir: 'in', json: JSON.parse(literal) })
    const entries = source.toReplay({ inbound: 'exact' })
    expect(entries.map((e) => [e.dir, e.text])).toEqual([
      ['in', literal],
      ['out', literal.replaceAll('{{', '\\{{')],
      ['out', 'plain \\{{seq}}'],
    ])
    for (const expandTemplates of [true, false]) {
      const replay = await mockWs({ strict: true, expandTemplates }).replay(source.toJSONL())
      const fresh = await client(replay.url)
      fresh.send(literal)
      expect(await fresh.next()).toBe(literal)
      expect(await fresh.next()).toBe('plain {{seq}}')
      expect(replay.failures).toEqual([])
    }
  })
})

describe('7. {{lastMessage}} is the message that satisfied the latest wait', () => {
  test('a message arriving after the wait does not change it', async () => {
    const ws = await mockWs().waitFor('A').delay(100).send('{{lastMessage}}')
    const c = await client(ws.url)
    c.send('A')
    c.send('B')
    expect(await c.next()).toBe('A')
  })
})

describe('12. echo() after steps', () => {
  test('plays the steps, then echoes', async () => {
    const ws = await mockWs().send('welcome').echo()
    const c = await client(ws.url)
    expect(await c.next()).toBe('welcome')
    c.send('ping')
    expect(await c.next()).toBe('ping')
  })

  test('a message the script consumed is not echoed; one it left queued is, in order, before later ones', async () => {
    const ws = await mockWs({ strict: true }).expect('X').delay(100).send('Y').echo()
    const c = await client(ws.url)
    c.send('X')
    c.send('queued')
    expect(await c.next()).toBe('Y')
    expect(await c.next()).toBe('queued')
    c.send('later')
    expect(await c.next()).toBe('later')
    expect(c.received).toEqual(['Y', 'queued', 'later'])
    await c.close()
    clients.splice(0)
    // Echoed messages are not unexpected, even in strict mode.
    await ws.close()
  })
})

describe('15. recordings end with what the upstream or the client did, not the recorder shutdown', () => {
  test('close() of a recording proxy writes no 1001 close', async () => {
    const up = await startUpstream()
    upstreams.push(up)
    const file = join(dir, 'shutdown.jsonl')
    const proxy = await mockWs().proxy(up.url).record({ file })
    const c = await client(proxy.url)
    c.send('hi')
    expect(await c.next()).toBe('echo:hi')
    await proxy.close()
    expect(await c.closed).toEqual({ code: 1001, reason: 'mock server closed' })
    const written = await readFile(file, 'utf8')
    expect(written).not.toContain('"close"')
    expect(proxy.toReplay().map((e) => e.text)).toEqual(['hi', 'echo:hi'])
  })

  test('a close by the upstream stays in the recording', async () => {
    const up = await startUpstream({ onConnection: (u) => u.socket.on('message', () => u.socket.close(4001, 'session over')) })
    upstreams.push(up)
    const proxy = await mockWs().proxy(up.url).record()
    const c = await client(proxy.url)
    c.send('bye')
    expect(await c.closed).toEqual({ code: 4001, reason: 'session over' })
    await vi.waitFor(() => expect(proxy.connections).toHaveLength(0))
    expect(proxy.toReplay().map(({ ts: _ts, ...rest }) => rest)).toEqual([
      { dir: 'in', text: 'bye' },
      { dir: 'out', close: { code: 4001, reason: 'session over' } },
    ])
  })
})

describe('4. with inbound latency too', () => {
  test('messages still delayed when the client closes are delivered before the close', async () => {
    const ws = await mockWs({ strict: true }).latency({ distribution: 'fixed', baseMs: 300 }, { direction: 'both' }).replay('{"ts":0,"dir":"in","text":"a"}\n{"ts":0,"dir":"in","text":"b"}\n')
    const c = await connectClient(ws.url)
    c.send('a')
    c.send('b')
    c.socket.close(1000)
    await c.closed
    await vi.waitFor(() => expect(ws.connections).toHaveLength(0))
    expect(ws.transcript.map((f) => f.text ?? `close ${f.close?.code}`)).toEqual(['a', 'b', 'close 1000'])
    expect(ws.failures).toEqual([])
    await ws.close()
  })
})
