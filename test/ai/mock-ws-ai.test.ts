import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { closeAllMocks, mockWs, MockWsError } from '../../src/index.js'
import { connectClient } from '../support/client.js'
import { useCli } from '../support/cli.js'

afterEach(async () => {
  await closeAllMocks()
})
const start = useCli()

interface Frame {
  type: string
  timestamp: string
  sequence: number
  data: unknown
}

describe('mockWs().ai(config)', () => {
  it('streams a fresh offline event stream to each connection', async () => {
    const ws = await mockWs().ai({
      enabled: true,
      maxEvents: 5,
      replay: { narrative: 'Simulate stock market trading', eventType: 'trade', provider: 'offline', seed: 3, eventCount: 5 },
    })
    const a = await connectClient(ws.url)
    const b = await connectClient(ws.url)
    const framesA: Frame[] = []
    const framesB: Frame[] = []
    for (let i = 0; i < 5; i++) framesA.push(JSON.parse(String(await a.next())) as Frame)
    for (let i = 0; i < 5; i++) framesB.push(JSON.parse(String(await b.next())) as Frame)
    expect(framesA.map((f) => f.sequence)).toEqual([1, 2, 3, 4, 5].map((n) => framesA[0]!.sequence + n - 1))
    expect(framesA.every((f) => f.type === 'trade' && typeof f.timestamp === 'string')).toBe(true)
    // Same seed, same events (timestamps are the wall clock at send time).
    const body = (f: Frame): unknown => ({ ...f, timestamp: undefined })
    expect(framesB.map(body)).toEqual(framesA.map(body))
    expect(ws.failures).toEqual([])
    await Promise.all([a.close(), b.close()])
  })

  it('rejects a config without a key or endpoint before any server starts', async () => {
    const saved = process.env.OPENAI_API_KEY
    delete process.env.OPENAI_API_KEY
    try {
      expect(() => mockWs().ai({ enabled: true, replay: { narrative: 'x', provider: 'openai' } })).toThrow(MockWsError)
    } finally {
      if (saved !== undefined) process.env.OPENAI_API_KEY = saved
    }
  })
})

describe('generate → serve --replay → client', () => {
  it('freezes offline events into a replay file that the CLI server plays', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mfws-ai-'))
    const out = join(dir, 'events.jsonl')
    const gen = start(['generate', '--narrative', 'Live chat room', '--count', '4', '--out', out, '--provider', 'offline', '--seed', '9', '--rate', '50'])
    expect(await gen.exited).toBe(0)
    const lines = readFileSync(out, 'utf8').trim().split('\n')
    expect(lines).toHaveLength(4)
    const expected = lines.map((l) => (JSON.parse(l) as { text: string }).text)
    const times = lines.map((l) => (JSON.parse(l) as { ts: number }).ts)

    const serve = start(['serve', '--port', '0', '--replay', out])
    const url = /listening on (\S+)/.exec(await serve.line())?.[1] ?? ''
    const asked = performance.now()
    const client = await connectClient(url)
    const got: string[] = []
    for (let i = 0; i < 4; i++) got.push(String(await client.next()))
    expect(got).toEqual(expected)
    expect((JSON.parse(got[0]!) as Frame).sequence).toBe(1)
    // Spaced by the rate (50/s → 20 ms apart in the file). The server plays the last event that long after the
    // connection opened, which is after the client asked for it: causality holds however loaded the machine is
    // (the gap between two arrivals does not: a late first arrival shrinks it).
    expect(times[3]! - times[0]!).toBe(60)
    expect(client.arrivals[3]! - asked).toBeGreaterThanOrEqual(times[3]! - times[0]!)
    serve.child.kill('SIGTERM')
    expect(await serve.exited).toBe(0)
  })
})
