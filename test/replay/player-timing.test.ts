// Exact player timing over a fake transport: a real Session and Connection, the real player (playReplay), the
// fake clock driven by the test. Every time below is exact, since nothing but the test moves the clock.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { playReplay, type PlayOptions } from '../../src/replay/player.js'
import { loadReplay } from '../../src/replay/load.js'
import type { ReplayEntry } from '../../src/replay/types.js'
import type { ScenarioFailure } from '../../src/server/types.js'
import { Session } from '../../src/session/session.js'
import { fakeClock } from '../../src/template/clock.js'
import { createTemplateContext } from '../../src/template/context.js'
import { FakeTransport, type FakeWireEvent } from '../support/fake-transport.js'

const FAKED = ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'Date', 'performance'] as const

beforeEach(() => {
  vi.useFakeTimers({ toFake: [...FAKED] })
})

afterEach(() => {
  vi.useRealTimers()
})

interface Played {
  transport: FakeTransport
  session: Session<FakeTransport>
  failures: ScenarioFailure[]
  /** The wire events so far, times relative to the connection's open. */
  wire(): (FakeWireEvent & { at: number })[]
  /** Sends so far as `[ms since open, text]`. */
  sends(): [number, string][]
  /** Resolves when the script has played to its end (or stopped). */
  done: Promise<void>
}

async function play(entries: ReplayEntry[], options: Partial<Pick<PlayOptions, 'speed' | 'timeoutMs' | 'unexpected'>> = {}): Promise<Played> {
  const replay = await loadReplay(entries)
  const failures: ScenarioFailure[] = []
  let done: Promise<void> = Promise.resolve()
  const session = new Session<FakeTransport>({
    clock: fakeClock,
    handler: (conn) => {
      done = playReplay(conn, replay, {
        timeoutMs: options.timeoutMs ?? 5000,
        ...(options.speed !== undefined ? { speed: options.speed } : {}),
        context: createTemplateContext({ now: fakeClock.dateNow }),
        unexpected: options.unexpected ?? 'ignore',
        onFailure: (failure) => failures.push(failure),
        isShuttingDown: () => session.shuttingDown,
      })
    },
  })
  const transport = new FakeTransport({ clock: fakeClock })
  const conn = session.accept(transport)
  if (!conn) throw new Error('the session refused the transport')
  const opened = conn.openedAt
  const wire = (): (FakeWireEvent & { at: number })[] => transport.wire.map((e) => ({ ...e, at: e.at - opened }))
  const sends = (): [number, string][] => wire().flatMap((e) => (e.kind === 'send' ? [[e.at, String(e.data)] as [number, string]] : []))
  return { transport, session, failures, wire, sends, done }
}

/** Advances the fake clock to `ms` after the connection opened (the open is at the clock's start). */
async function at(ms: number, start: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(start + ms - performance.now())
}

describe('player timing over a fake transport (fake clock, exact)', () => {
  test('out entries are sent at their ts gaps, and not a millisecond before', async () => {
    const start = performance.now()
    const p = await play([
      { ts: 0, dir: 'out', text: 'a' },
      { ts: 100, dir: 'out', text: 'b' },
      { ts: 250, dir: 'out', text: 'c' },
    ])
    await at(0, start)
    expect(p.sends()).toEqual([[0, 'a']])
    await at(99, start)
    expect(p.sends()).toEqual([[0, 'a']])
    await at(100, start)
    expect(p.sends()).toEqual([
      [0, 'a'],
      [100, 'b'],
    ])
    await at(249, start)
    expect(p.sends()).toHaveLength(2)
    await at(250, start)
    expect(p.sends()).toEqual([
      [0, 'a'],
      [100, 'b'],
      [250, 'c'],
    ])
    await p.done
    expect(p.failures).toEqual([])
    await p.session.close()
  })

  test('speed divides every gap', async () => {
    const start = performance.now()
    const p = await play(
      [
        { ts: 0, dir: 'out', text: 'a' },
        { ts: 100, dir: 'out', text: 'b' },
        { ts: 300, dir: 'out', text: 'c' },
      ],
      { speed: 4 },
    )
    await at(24, start)
    expect(p.sends()).toEqual([[0, 'a']])
    await at(75, start)
    expect(p.sends()).toEqual([
      [0, 'a'],
      [25, 'b'],
      [75, 'c'],
    ])
    await p.session.close()
  })

  test('a wait moves the anchor: the entry after it is due its ts gap after the satisfying message', async () => {
    const start = performance.now()
    const p = await play([
      { ts: 0, dir: 'out', text: 'hello' },
      { ts: 500, dir: 'in', text: 'ping' },
      { ts: 700, dir: 'out', text: 'pong' },
      { ts: 1000, dir: 'out', text: 'later' },
    ])
    await at(300, start)
    expect(p.sends()).toEqual([[0, 'hello']])
    p.transport.deliver('ping')
    // Due at 300 + (700 - 500) = 500 and 300 + (1000 - 500) = 800: the file's ts 500 and 700 no longer count.
    await at(499, start)
    expect(p.sends()).toEqual([[0, 'hello']])
    await at(800, start)
    expect(p.sends()).toEqual([
      [0, 'hello'],
      [500, 'pong'],
      [800, 'later'],
    ])
    await p.session.close()
  })

  test('delay after a wait at speed 2: half the gap from the satisfying message', async () => {
    const start = performance.now()
    const p = await play(
      [
        { ts: 0, dir: 'in', text: 'go' },
        { ts: 400, dir: 'out', text: 'one' },
        { ts: 1000, dir: 'out', waitFor: '^next$', text: 'two' },
        { ts: 1600, dir: 'out', text: 'three' },
      ],
      { speed: 2 },
    )
    await at(10, start)
    p.transport.deliver('go')
    await at(209, start)
    expect(p.sends()).toEqual([])
    await at(210, start)
    expect(p.sends()).toEqual([[210, 'one']])
    // A waitFor entry is sent as its message arrives (it anchors at its own ts); the next one 600 / 2 ms later.
    await at(1000, start)
    p.transport.deliver('next')
    await vi.advanceTimersByTimeAsync(0)
    await at(1299, start)
    expect(p.sends()).toEqual([
      [210, 'one'],
      [1000, 'two'],
    ])
    await at(1300, start)
    expect(p.sends().at(-1)).toEqual([1300, 'three'])
    await p.session.close()
  })

  test('a client message that arrived before the wait satisfies it when the player reaches it', async () => {
    const start = performance.now()
    const p = await play([
      { ts: 0, dir: 'out', text: 'a' },
      { ts: 200, dir: 'out', text: 'b' },
      { ts: 300, dir: 'in', text: 'early' },
      { ts: 350, dir: 'out', text: 'c' },
    ])
    await at(50, start)
    p.transport.deliver('early')
    // The wait starts after 'b' (200) and is satisfied at once: the anchor is 200, so 'c' is due at 200 + 50.
    await at(250, start)
    expect(p.sends()).toEqual([
      [0, 'a'],
      [200, 'b'],
      [250, 'c'],
    ])
    expect(p.failures).toEqual([])
    await p.session.close()
  })

  test('a wait times out exactly timeoutMs after it started; nothing after it is sent', async () => {
    const start = performance.now()
    const p = await play(
      [
        { ts: 0, dir: 'out', text: 'hello' },
        { ts: 100, dir: 'in', text: 'ping', timeoutMs: 1000 },
        { ts: 200, dir: 'out', text: 'never' },
      ],
      { timeoutMs: 60_000 },
    )
    await at(999, start)
    expect(p.failures).toEqual([])
    await at(1000, start)
    expect(p.failures.map((f) => [f.kind, f.step, f.ts])).toEqual([['wait-timeout', 2, 1000]])
    await at(5000, start)
    expect(p.sends()).toEqual([[0, 'hello']])
    await p.session.close()
  })

  test('the default timeout applies to a wait without its own', async () => {
    const start = performance.now()
    const p = await play([{ ts: 0, dir: 'in', text: 'ping' }], { timeoutMs: 250 })
    await at(249, start)
    expect(p.failures).toEqual([])
    await at(250, start)
    expect(p.failures.map((f) => [f.kind, f.ts])).toEqual([['wait-timeout', 250]])
    await p.session.close()
  })

  test('a close entry closes at its time, with its code and reason', async () => {
    const start = performance.now()
    const p = await play([
      { ts: 0, dir: 'out', text: 'bye soon' },
      { ts: 900, dir: 'out', close: { code: 4000, reason: 'done' } },
    ])
    const conn = p.session.connections[0]
    await at(899, start)
    expect(p.wire().map((e) => e.kind)).toEqual(['send'])
    await at(900, start)
    expect(p.wire().at(-1)).toEqual({ kind: 'close', at: 900, code: 4000, reason: 'done' })
    expect(await conn?.closed).toEqual({ code: 4000, reason: 'done' })
    expect(p.session.transcript.at(-1)).toMatchObject({ dir: 'out', ts: 900, close: { code: 4000, reason: 'done' } })
    await p.done
    expect(p.failures).toEqual([])
    await p.session.close()
    expect(vi.getTimerCount()).toBe(0)
  })

  test('a client close while the player sleeps ends the script at that moment', async () => {
    const start = performance.now()
    const p = await play([
      { ts: 0, dir: 'out', text: 'a' },
      { ts: 1000, dir: 'out', text: 'b' },
    ])
    await at(400, start)
    p.transport.clientClose(1000, 'client left')
    await vi.advanceTimersByTimeAsync(0)
    expect(p.failures.map((f) => [f.kind, f.step, f.ts])).toEqual([['closed-with-steps-left', 2, 400]])
    await at(2000, start)
    expect(p.sends()).toEqual([[0, 'a']])
    await p.session.close()
    // The player's sleep was cleared with the connection: no timer is left.
    expect(vi.getTimerCount()).toBe(0)
  })
})
