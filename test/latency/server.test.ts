import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, test } from 'vitest'
import { LatencyInjector } from '../../src/latency/injector.js'
import { LatencyProfile } from '../../src/latency/profile.js'
import { startWithLatency } from '../../src/latency/start.js'
import { mockWs } from '../../src/server/builder.js'
import { closeAllMocks } from '../../src/server/mock-ws.js'
import { routerWithLatency } from '../../src/server/router.js'
import { connectClient } from '../support/client.js'
import { watchLeaks } from '../support/leaks.js'

afterEach(async () => {
  await closeAllMocks()
})

// Timers fire late, never early, but a 2-core CI machine can stall the event loop for a while.
const LATE_SLACK_MS = 150
// The scheduler never runs a callback before its due time on performance.now(); the client and
// the server share that clock, so only sub-millisecond rounding separates the two readings.
const EARLY_SLACK_MS = 1

/** Sends one message at a time (the next once the previous arrived) and returns each one's delay. */
async function oneByOneDelays(url: string, count: number): Promise<number[]> {
  const delays: number[] = []
  const client = await connectClient(url)
  for (let i = 0; i < count; i++) {
    const sentAt = performance.now()
    client.send(`m${i}`)
    expect(await client.next()).toBe(`m${i}`)
    delays.push(performance.now() - sentAt)
  }
  await client.close()
  return delays
}

describe('mockWs().latency()', () => {
  test('1,000 messages under congested arrive at a real client in order, each delayed by at least the profile minimum', async () => {
    const ws = await mockWs().latency('congested')
    const client = await connectClient(ws.url)
    const conn = await ws.connected
    const sentAt: number[] = []
    for (let i = 0; i < 1000; i++) {
      sentAt.push(performance.now())
      conn.send(String(i))
    }
    for (let i = 0; i < 1000; i++) expect(await client.next(5000)).toBe(String(i))
    const profile = LatencyProfile.byName('congested')
    const delays = client.arrivals.map((at, i) => at - (sentAt[i] as number))
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(profile.minMs - EARLY_SLACK_MS)
    // In order means each message waits for the slowest draw before it: never past the cap, though.
    // Measured when the server sent each one (its transcript), so a loaded client's reading lag does not count.
    const sentDelays = ws.sent.map((f, i) => conn.openedAt + f.ts - (sentAt[i] as number))
    expect(Math.max(...sentDelays)).toBeLessThanOrEqual(profile.maxMs + LATE_SLACK_MS)
    expect(ws.sent.map((f) => f.text)).toEqual(Array.from({ length: 1000 }, (_, i) => String(i)))
    await client.close()
  })

  test('a scripted close comes after every delayed message of the script', async () => {
    const steps = mockWs().latency('congested')
    for (let i = 0; i < 200; i++) steps.send(`s${i}`)
    const ws = await steps.close(4000, 'done')
    const client = await connectClient(ws.url)
    const closed = await client.closed
    expect(closed).toEqual({ code: 4000, reason: 'done' })
    expect(client.received).toEqual(Array.from({ length: 200 }, (_, i) => `s${i}`))
  })

  test.each([
    ['5g', 20],
    ['normal', 6],
  ] as const)('one message at a time, delays measured at the client stay within %s bounds', async (name, count) => {
    const profile = LatencyProfile.byName(name)
    const ws = await mockWs({ seed: 3 }).latency(name)
    const delays = await oneByOneDelays(ws.url, count)
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(profile.minMs - EARLY_SLACK_MS)
      expect(delay).toBeLessThanOrEqual(profile.maxMs + LATE_SLACK_MS)
    }
  })

  test.each([
    ['out', 1],
    ['in', 1],
    ['both', 2],
  ] as const)("direction '%s' delays an echo round trip %d time(s)", async (direction, times) => {
    const fixed = 60
    const ws = await mockWs().latency({ distribution: 'fixed', baseMs: fixed }, { direction })
    const [delay] = await oneByOneDelays(ws.url, 1)
    expect(delay).toBeGreaterThanOrEqual(fixed * times - EARLY_SLACK_MS)
    expect(delay).toBeLessThanOrEqual(fixed * times + LATE_SLACK_MS)
  })

  test('without latency the same echo is immediate (the delays above come from the injector)', async () => {
    const ws = await mockWs()
    await oneByOneDelays(ws.url, 1)
    // Measured where a delay would be made: the mock sends the echo in the turn the message arrives (a client-side
    // round trip also holds however long a loaded machine keeps the client's turn waiting).
    const [received, sent] = ws.transcript
    expect([received?.dir, sent?.dir]).toEqual(['in', 'out'])
    expect((sent?.ts ?? Infinity) - (received?.ts ?? 0)).toBeLessThan(25)
  })

  test('the seed of the mock seeds the injector: two mocks with one seed delay the same way', async () => {
    const measure = async (): Promise<number[]> => {
      const ws = await mockWs({ seed: 11 }).latency({ distribution: 'uniform', minMs: 0, maxMs: 120 })
      await oneByOneDelays(ws.url, 6)
      // The delays the mock made, on its transcript (message in → echo sent): client round trips also carry the
      // client's turns, which a loaded machine stretches differently in the two runs.
      const at = (dir: 'in' | 'out', text: string): number => ws.transcript.find((f) => f.dir === dir && f.text === text)?.ts ?? Number.NaN
      const delays = Array.from({ length: 6 }, (_, i) => at('out', `m${i}`) - at('in', `m${i}`))
      await ws.close()
      return delays
    }
    const [a, b] = [await measure(), await measure()]
    // Same draws: each pair differs by timer lateness only, far less than the spread of the profile.
    for (const [i, delay] of a.entries()) expect(Math.abs(delay - (b[i] as number))).toBeLessThan(40)
    expect(Math.max(...a) - Math.min(...a)).toBeGreaterThan(10)
  })

  test('accepts a ready injector, and refuses options that would change it', async () => {
    const injector = new LatencyInjector({ distribution: 'fixed', baseMs: 40 })
    const ws = await mockWs().latency(injector)
    const [delay] = await oneByOneDelays(ws.url, 1)
    expect(delay).toBeGreaterThanOrEqual(40 - EARLY_SLACK_MS)
    expect(() => mockWs().latency(injector, { seed: 1, direction: 'both' })).toThrowErrorMatchingInlineSnapshot(
      `[MockWsError: Failed to configure latency(): seed and direction cannot change an existing LatencyInjector. Pass them to new LatencyInjector(profile, { seed, direction }) instead.]`,
    )
  })

  test('accepts an injector from a second copy of the module (ESM and CJS side by side)', async () => {
    const real = new LatencyInjector({ distribution: 'fixed', baseMs: 40 })
    // What instanceof cannot recognise: the same shape, another class.
    const foreign = {
      profile: real.profile,
      direction: real.direction,
      seed: real.seed,
      sample: () => real.sample(),
      appliesTo: (dir: 'in' | 'out') => real.appliesTo(dir),
      createScheduler: () => real.createScheduler(),
    } as unknown as LatencyInjector
    const ws = await mockWs().latency(foreign)
    const [delay] = await oneByOneDelays(ws.url, 1)
    expect(delay).toBeGreaterThanOrEqual(40 - EARLY_SLACK_MS)
  })

  test('a bad profile or option fails at the call, before anything starts', () => {
    expect(() => mockWs().latency('lte')).toThrowErrorMatchingInlineSnapshot(
      `[MockWsError: Failed to resolve latency profile "lte": no preset has that name. Use one of fast, normal, slow, 5g, 4g, 3g, 2g, edge, satellite, congested, or pass a custom spec such as { distribution: 'uniform', minMs: 50, maxMs: 200 }.]`,
    )
    expect(() => mockWs().latency('fast', { direction: 'up' as never })).toThrowErrorMatchingInlineSnapshot(`
      [MockWsError: Failed to create latency injector: 1 problem in the options.
        - direction: must be one of 'out', 'in', 'both' (got "up")
      Pass for example { seed: 42, direction: 'out' }.]
    `)
  })

  test('a client that leaves with messages still delayed leaves no timer behind, and close() waits for none', async () => {
    const leaks = watchLeaks()
    const ws = await mockWs().latency('slow')
    const client = await connectClient(ws.url)
    const conn = await ws.connected
    for (let i = 0; i < 5; i++) conn.send(`late ${i}`)
    client.socket.terminate()
    await conn.closed
    expect(client.received).toEqual([])
    expect(leaks.counts().timers).toBe(0)
    const started = performance.now()
    await ws.close()
    expect(performance.now() - started).toBeLessThan(LatencyProfile.slow().minMs)
    await leaks.expectNone()
  })

  test('close() delivers messages still delayed, then the 1001 close frame, and leaves nothing', async () => {
    const leaks = watchLeaks()
    const ws = await mockWs().latency('4g')
    const client = await connectClient(ws.url)
    const conn = await ws.connected
    for (let i = 0; i < 10; i++) conn.send(`m${i}`)
    await ws.close()
    expect(await client.closed).toEqual({ code: 1001, reason: 'mock server closed' })
    expect(client.received).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`))
    await leaks.expectNone()
  })
})

describe('routerWithLatency', () => {
  test('delays the echo of a router mounted on an existing HTTP server', async () => {
    const server = http.createServer((_req, res) => res.end('app'))
    const ws = routerWithLatency(new LatencyInjector(LatencyProfile.fast()), { path: '/ws' })
    const fixed = routerWithLatency({ distribution: 'fixed', baseMs: 50 }, { path: '/fixed' })
    server.on('upgrade', (req, socket, head) => {
      if (!ws.handleUpgrade(req, socket, head) && !fixed.handleUpgrade(req, socket, head)) socket.destroy()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    try {
      const [fast] = await oneByOneDelays(`ws://127.0.0.1:${port}/ws`, 1)
      expect(fast).toBeLessThanOrEqual(LatencyProfile.fast().maxMs + LATE_SLACK_MS)
      const [slow] = await oneByOneDelays(`ws://127.0.0.1:${port}/fixed`, 1)
      expect(slow).toBeGreaterThanOrEqual(50 - EARLY_SLACK_MS)
      expect(fixed.transcript.filter((f) => f.dir === 'out' && !f.close).map((f) => f.text)).toEqual(['m0'])
    } finally {
      await Promise.all([ws.close(), fixed.close()])
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})

describe('startWithLatency', () => {
  test('resolves once listening with a running mock that delays its echo; close() stops it', async () => {
    const running = await startWithLatency(0, LatencyProfile.normal(), { env: {} })
    expect(running.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/)
    const [delay] = await oneByOneDelays(running.url, 1)
    expect(delay).toBeGreaterThanOrEqual(LatencyProfile.normal().minMs - EARLY_SLACK_MS)
    expect(delay).toBeLessThanOrEqual(LatencyProfile.normal().maxMs + LATE_SLACK_MS)
    await running.close()
    expect(running.closed).toBe(true)
  })

  test('without a profile (the Rust crate\'s None) it starts a server without latency', async () => {
    for (const running of [await startWithLatency(0), await startWithLatency(0, undefined, { env: {} }), await startWithLatency(0, null, { env: {} })]) {
      const client = await connectClient(running.url)
      client.send('ping')
      expect(await client.next()).toBe('ping')
      const [received, sent] = running.transcript
      // The echo is sent in the same turn as the message arrives: no scheduler stands between them.
      expect((sent?.ts ?? Infinity) - (received?.ts ?? 0)).toBeLessThan(25)
      await client.close()
      await running.close()
    }
    await expect(startWithLatency(0, undefined, { direction: 'both', env: {} })).rejects.toThrow(/direction 'both' was given without a profile/)
  })

  test('plays MOCKFORGE_WS_REPLAY_FILE like the CLI, with the latency applied', async () => {
    const file = new URL('../fixtures/kinds-out-text.jsonl', import.meta.url)
    const running = await startWithLatency(0, { distribution: 'fixed', baseMs: 30 }, { env: { MOCKFORGE_WS_REPLAY_FILE: file.pathname } })
    const client = await connectClient(running.url)
    const first = await client.next()
    expect(running.sent[0]?.text).toBe(first)
    expect(running.sent[0]?.ts).toBeGreaterThanOrEqual(30 - EARLY_SLACK_MS)
    await client.close()
  })
})
