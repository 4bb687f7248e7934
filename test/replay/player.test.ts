import { afterEach, describe, expect, it } from 'vitest'
import { closeAllMocks, mockWs, ReplayParseError, type ReplayEntry } from '../../src/index.js'
import { connectClient, leakableResources } from '../support/client.js'

afterEach(async () => {
  await closeAllMocks()
})

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
/** Slack for timers on a noisy 2-core machine. */
const LATE_MS = 120

function jsonl(entries: ReplayEntry[]): string {
  return entries.map((e) => JSON.stringify(e)).join('\n')
}

describe('replay player: entry kinds', () => {
  it('sends out text and binary entries in order', async () => {
    const ws = await mockWs().replay([
      { ts: 0, dir: 'out', text: 'one' },
      { ts: 0, dir: 'out', binary: Buffer.from([1, 2, 3]).toString('base64') },
    ])
    const client = await connectClient(ws.url)
    expect(await client.nextFrame()).toEqual({ data: 'one', isBinary: false })
    const bin = await client.nextFrame()
    expect(bin.isBinary).toBe(true)
    expect([...(bin.data as Buffer)]).toEqual([1, 2, 3])
    await client.close()
  })

  it('closes the connection at a close entry, sending its text first', async () => {
    const ws = await mockWs().replay([{ ts: 0, dir: 'out', text: 'bye soon', close: { code: 4000, reason: 'done' } }])
    const client = await connectClient(ws.url)
    expect(await client.next()).toBe('bye soon')
    expect(await client.closed).toEqual({ code: 4000, reason: 'done' })
    expect(ws.failures).toEqual([])
  })

  it('waits for in entries: exact text, match regex and binary', async () => {
    const ws = await mockWs().replay([
      { ts: 0, dir: 'in', text: 'exact' },
      { ts: 0, dir: 'out', text: 'got exact' },
      { ts: 0, dir: 'in', match: '^sub:(?<topic>\\w+)$' },
      { ts: 0, dir: 'out', text: 'subscribed {{match.topic}}' },
      { ts: 0, dir: 'in', binary: Buffer.from([7, 7]).toString('base64') },
      { ts: 0, dir: 'out', text: 'got bytes' },
    ])
    const client = await connectClient(ws.url)
    client.send('exact')
    expect(await client.next()).toBe('got exact')
    client.send('sub:prices')
    expect(await client.next()).toBe('subscribed prices')
    client.send(Buffer.from([7, 7]))
    expect(await client.next()).toBe('got bytes')
    expect(ws.failures).toEqual([])
    await client.close()
  })

  it('waitFor skips non-matching messages and captures named groups', async () => {
    const ws = await mockWs().replay([{ ts: 0, dir: 'out', text: 'hi {{match.name}}', waitFor: '^name=(?<name>\\w+)$' }])
    const client = await connectClient(ws.url)
    client.send('noise')
    client.send('name=ada')
    expect(await client.next()).toBe('hi ada')
    expect(ws.failures).toEqual([])
    await client.close()
  })

  it('records an unexpected message on an in entry and still accepts the right one', async () => {
    const ws = await mockWs().replay([
      { ts: 0, dir: 'in', text: 'ping' },
      { ts: 0, dir: 'out', text: 'pong' },
    ])
    const client = await connectClient(ws.url)
    client.send('pnig')
    client.send('ping')
    expect(await client.next()).toBe('pong')
    expect(ws.failures).toHaveLength(1)
    expect(ws.failures[0]).toMatchObject({ kind: 'unexpected-message', connection: 1, step: 1, expected: '"ping"', actual: '"pnig"' })
    await client.close()
  })

  it('records a waitFor timeout in failures and stops that playback', async () => {
    const ws = await mockWs().replay([
      { ts: 0, dir: 'out', text: 'never', waitFor: '^READY$', timeoutMs: 80 },
      { ts: 0, dir: 'out', text: 'after' },
    ])
    const client = await connectClient(ws.url)
    const conn = await ws.connected
    await expect.poll(() => ws.failures.length).toBe(1)
    expect(ws.failures[0]).toMatchObject({ kind: 'wait-timeout', step: 1, expected: 'waitFor /^READY$/', actual: '(nothing matching)' })
    expect(ws.failures[0]!.ts).toBeGreaterThanOrEqual(75)
    expect(ws.failures[0]!.message).toBe('step 1 (<inline>:1): timed out waiting for waitFor /^READY$/')
    client.send('READY')
    expect(await ws.nextMessage()).toBe('READY')
    expect(conn.isOpen).toBe(true)
    expect(client.received).toEqual([])
    await client.close()
  })

  it('uses the mock-wide timeoutMs when an entry has none', async () => {
    const ws = await mockWs({ timeoutMs: 60 }).replay([{ ts: 0, dir: 'in', text: 'x' }])
    const client = await connectClient(ws.url)
    await expect.poll(() => ws.failures.map((f) => f.kind)).toEqual(['wait-timeout'])
    await client.close()
  })
})

describe('replay player: timing', () => {
  it('keeps the gaps of the file, measured from connection open', async () => {
    const ws = await mockWs().replay([
      { ts: 0, dir: 'out', text: 'a' },
      { ts: 150, dir: 'out', text: 'b' },
      { ts: 300, dir: 'out', text: 'c' },
    ])
    const client = await connectClient(ws.url)
    await client.next()
    await client.next()
    await client.next()
    // Measured where the timing is made: the server's send times (transcript ts, ms since the
    // connection opened). Client arrival times also carry the network and the client's own turns,
    // which on a loaded machine can make a later gap look shorter. Exact due times are checked with
    // fake timers in player-timing.test.ts; here a real socket must never send early, and the
    // entries must not wait on anything but their own time (the upper bound is only that).
    const [a, b, c] = ws.transcript.filter((f) => f.dir === 'out').map((f) => f.ts) as [number, number, number]
    expect(a).toBeLessThan(b)
    expect(b).toBeGreaterThanOrEqual(149)
    expect(c).toBeGreaterThanOrEqual(299)
    expect(c).toBeLessThan(300 + 10 * LATE_MS)
    await client.close()
  })

  it('moves the anchor to a satisfied wait: later entries are due relative to it', async () => {
    const ws = await mockWs().replay([
      { ts: 0, dir: 'out', text: 'start' },
      { ts: 1000, dir: 'in', text: 'go' },
      { ts: 1100, dir: 'out', text: 'after go' },
    ])
    const client = await connectClient(ws.url)
    await client.next()
    client.send('go')
    await client.next()
    // Due 100 ms after the wait was satisfied, not at file time 1100 ms: measured on the server (transcript ts),
    // where the wait is satisfied and the entry sent, not from the client's send (1 ms of timer rounding).
    const ts = (text: string): number => ws.transcript.find((f) => f.text === text)?.ts ?? Number.NaN
    expect(ts('after go') - ts('go')).toBeGreaterThanOrEqual(99)
    expect(ts('after go') - ts('go')).toBeLessThan(100 + LATE_MS)
    await client.close()
  })

  it('a waitFor on an out entry sends it as soon as the wait is satisfied', async () => {
    const ws = await mockWs().replay([{ ts: 5000, dir: 'out', text: 'now', waitFor: '^tick$' }])
    const client = await connectClient(ws.url)
    client.send('tick')
    await client.next()
    // On the server, from the message that satisfied the wait to the send (a client round trip would add its turns).
    const ts = (text: string): number => ws.transcript.find((f) => f.text === text)?.ts ?? Number.NaN
    expect(ts('now') - ts('tick')).toBeLessThan(LATE_MS)
    await client.close()
  })

  it('speed divides every gap', async () => {
    const ws = await mockWs({ speed: 4 }).replay([
      { ts: 0, dir: 'out', text: 'a' },
      { ts: 800, dir: 'out', text: 'b' },
    ])
    const client = await connectClient(ws.url)
    await client.next()
    await client.next()
    // Send times on the server, from connection open (the anchor): a late first arrival at the client would
    // shrink a client-side gap. 800 ms of file time at speed 4 is due 200 ms after open (1 ms of timer rounding).
    const [a, b] = ws.sent.map((f) => f.ts)
    expect(b!).toBeGreaterThanOrEqual(199)
    expect(b! - a!).toBeLessThan(200 + LATE_MS)
    await client.close()
  })

  it('queues client messages that arrive before they are waited for', async () => {
    const ws = await mockWs().replay([
      { ts: 200, dir: 'out', text: 'first' },
      { ts: 200, dir: 'in', text: 'early-1' },
      { ts: 200, dir: 'in', text: 'early-2' },
      { ts: 200, dir: 'out', text: 'both seen' },
    ])
    const client = await connectClient(ws.url)
    client.send('early-1')
    client.send('early-2')
    expect(await client.next()).toBe('first')
    expect(await client.next()).toBe('both seen')
    expect(ws.failures).toEqual([])
    await client.close()
  })

  it('plays one file independently for 3 concurrent clients', async () => {
    const ws = await mockWs().replay([
      { ts: 0, dir: 'out', text: 'seq {{seq}}' },
      { ts: 0, dir: 'in', match: '^me=(?<me>\\d)$' },
      { ts: 50, dir: 'out', text: 'hello {{match.me}} seq {{seq}}' },
    ])
    const clients = await Promise.all([0, 1, 2].map(() => connectClient(ws.url)))
    for (const c of clients) expect(await c.next()).toBe('seq 1')
    // Answer in reverse order: each connection has its own cursor.
    for (const i of [2, 1, 0]) clients[i]!.send(`me=${i}`)
    for (const [i, c] of clients.entries()) expect(await c.next()).toBe(`hello ${i} seq 2`)
    expect(ws.failures).toEqual([])
    await Promise.all(clients.map((c) => c.close()))
  })

  it('leaves the connection open at the end of the file', async () => {
    const ws = await mockWs().replay([{ ts: 0, dir: 'out', text: 'only' }])
    const client = await connectClient(ws.url)
    await client.next()
    client.send('after the end')
    expect(await ws.nextMessage()).toBe('after the end')
    expect((await ws.connected).isOpen).toBe(true)
    await client.close()
  })
})

describe('replay player: templates through the server', () => {
  it('expands every token per send, fresh per occurrence', async () => {
    const now = (): number => Date.UTC(2024, 0, 15, 10, 30, 0)
    const ws = await mockWs({ now }).replay([
      { ts: 0, dir: 'in', match: '^(?<word>\\w+)$' },
      {
        ts: 0,
        dir: 'out',
        text: '{{uuid}}|{{uuid}}|{{now}}|{{now+1m}}|{{now-30s}}|{{now+2h}}|{{now+1d}}|{{randInt -5 5}}|{{randFloat 0 1}}|{{seq}}|{{seq}}|{{lastMessage}}|{{match.word}}',
      },
    ])
    const client = await connectClient(ws.url)
    client.send('hello')
    const parts = String(await client.next()).split('|')
    expect(parts[0]).toMatch(UUID)
    expect(parts[1]).toMatch(UUID)
    expect(parts[0]).not.toBe(parts[1])
    expect(parts.slice(2, 7)).toEqual([
      '2024-01-15T10:30:00.000Z',
      '2024-01-15T10:31:00.000Z',
      '2024-01-15T10:29:30.000Z',
      '2024-01-15T12:30:00.000Z',
      '2024-01-16T10:30:00.000Z',
    ])
    const n = Number(parts[7])
    expect(Number.isInteger(n) && n >= -5 && n <= 5).toBe(true)
    const f = Number(parts[8])
    expect(f >= 0 && f <= 1).toBe(true)
    expect(parts.slice(9)).toEqual(['1', '2', 'hello', 'hello'])
    await client.close()
  })

  it('is reproducible under a seed and differs without one', async () => {
    const file = jsonl([{ ts: 0, dir: 'out', text: '{{uuid}} {{randInt 1 1000000}} {{randFloat 0 1}}' }])
    const first = async (seed?: number): Promise<string> => {
      const ws = await mockWs(seed === undefined ? {} : { seed }).replay(file)
      const client = await connectClient(ws.url)
      const text = String(await client.next())
      await client.close()
      await ws.close()
      return text
    }
    expect(await first(42)).toBe(await first(42))
    expect(await first(42)).not.toBe(await first(43))
    expect(await first()).not.toBe(await first())
  })

  it('sends tokens verbatim with expandTemplates: false', async () => {
    const ws = await mockWs({ expandTemplates: false }).replay([{ ts: 0, dir: 'out', text: '{{uuid}} {{whatever}}' }])
    const client = await connectClient(ws.url)
    expect(await client.next()).toBe('{{uuid}} {{whatever}}')
    await client.close()
  })
})

describe('replay player: the MockForge documentation example', () => {
  it('plays as documented: waits for CLIENT_READY, then welcome, then data after ACK', async () => {
    const ws = await mockWs().replay('examples/mockforge-basic.jsonl')
    const client = await connectClient(ws.url)
    client.send('something else first')
    client.send('CLIENT_READY')
    const hello = String(await client.next())
    expect(hello).toMatch(/^HELLO [0-9a-f-]{36}$/)
    const welcome = JSON.parse(String(await client.next())) as { type: string; sessionId: string }
    expect(welcome.type).toBe('welcome')
    expect(welcome.sessionId).toMatch(UUID)
    expect(welcome.sessionId).not.toBe(hello.slice(6))
    // Welcome is due 10 ms after the wait for CLIENT_READY was satisfied, which is no earlier than the server
    // received it (server times: client arrival gaps shrink when HELLO arrives late; 1 ms of timer rounding).
    const readyAt = ws.received.find((f) => f.text === 'CLIENT_READY')!.ts
    const welcomeAt = ws.sent[1]!.ts
    expect(welcomeAt - readyAt).toBeGreaterThanOrEqual(9)
    client.send('ACK')
    const data = JSON.parse(String(await client.next())) as { data: number }
    expect(data.data).toBeGreaterThanOrEqual(1)
    expect(data.data).toBeLessThanOrEqual(100)
    expect(ws.failures).toEqual([])
    await client.close()
  })
})

describe('bad replay input', () => {
  it('rejects before any server starts', async () => {
    const before = leakableResources()
    const error = await mockWs()
      .replay('{"ts":0,"dir":"out","text":"ok"}\n{"ts":-1,"dir":"sideways"}')
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(error).toBeInstanceOf(ReplayParseError)
    expect((error as ReplayParseError).issues.map((i) => i.line)).toEqual([2, 2])
    expect(leakableResources()).toEqual(before)
  })
})

describe('strict mode', () => {
  it('close() rejects with the failures; non-strict close() resolves', async () => {
    const strict = await mockWs({ strict: true }).replay([{ ts: 0, dir: 'in', text: 'expected', timeoutMs: 50 }])
    const lax = await mockWs().replay([{ ts: 0, dir: 'in', text: 'expected', timeoutMs: 50 }])
    const a = await connectClient(strict.url)
    const b = await connectClient(lax.url)
    await expect.poll(() => strict.failures.length + lax.failures.length).toBe(2)
    await expect(strict.close()).rejects.toThrow(/1 scenario failure/)
    await expect(lax.close()).resolves.toBeUndefined()
    await Promise.all([a.closed, b.closed])
  })

  it('treats messages nothing waits for as failures in strict mode', async () => {
    const ws = await mockWs({ strict: true }).replay([{ ts: 0, dir: 'out', text: 'only' }])
    const client = await connectClient(ws.url)
    await client.next()
    client.send('stray')
    await expect.poll(() => ws.failures.map((f) => f.kind)).toEqual(['unexpected-message'])
    expect(ws.failures[0]!.actual).toBe('"stray"')
    await expect(ws.close()).rejects.toThrow(/stray/)
    await client.closed
  })

  it('reports a client that leaves with steps left', async () => {
    const ws = await mockWs({ strict: true }).replay([
      { ts: 0, dir: 'out', text: 'hi' },
      { ts: 0, dir: 'in', text: 'never sent' },
    ])
    const client = await connectClient(ws.url)
    await client.next()
    await client.close()
    await expect.poll(() => ws.failures.map((f) => f.kind)).toEqual(['closed-with-steps-left'])
    await expect(ws.close()).rejects.toThrow(/closed/)
  })
})
