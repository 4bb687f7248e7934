import { afterEach, describe, expect, test, vi } from 'vitest'
import { MockWsError } from '../../src/errors.js'
import { LatencyInjector, type LatencyInjectorOptions } from '../../src/latency/injector.js'
import { LatencyProfile } from '../../src/latency/profile.js'
import { sampleLatency } from '../../src/latency/sample.js'
import type { OrderedScheduler } from '../../src/latency/scheduler.js'
import { createRandom } from '../../src/template/random.js'

function samples(injector: LatencyInjector, n: number): number[] {
  return Array.from({ length: n }, () => injector.sample())
}

// The wait returned for a callback scheduled on an empty queue is the raw draw; flushing
// empties the queue again without waiting, so this reads a scheduler's delay stream directly.
function draws(scheduler: OrderedScheduler, n: number): number[] {
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    out.push(scheduler.schedule(() => {}))
    scheduler.flush()
  }
  return out
}

describe('LatencyInjector', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  test('takes a preset name, a profile, a spec or a fixed number of ms', () => {
    expect(new LatencyInjector('3g').profile.name).toBe('3g')
    const slow = LatencyProfile.slow()
    expect(new LatencyInjector(slow).profile).toBe(slow)
    expect(new LatencyInjector({ distribution: 'fixed', baseMs: 12 }).sample()).toBe(12)
    expect(new LatencyInjector(7).sample()).toBe(7)
  })

  test('delays server→client only by default', () => {
    const injector = new LatencyInjector('fast')
    expect(injector.direction).toBe('out')
    expect([injector.appliesTo('out'), injector.appliesTo('in')]).toEqual([true, false])
  })

  test.each([
    ['out', true, false],
    ['in', false, true],
    ['both', true, true],
  ] as const)('direction %s applies to out=%s, in=%s', (direction, out, inbound) => {
    const injector = new LatencyInjector('fast', { direction })
    expect(injector.appliesTo('out')).toBe(out)
    expect(injector.appliesTo('in')).toBe(inbound)
  })

  test('sample() with a seed is the profile drawn from createRandom(seed)', () => {
    const profile = LatencyProfile.byName('edge')
    const random = createRandom(99)
    const expected = Array.from({ length: 50 }, () => sampleLatency(profile, random))
    expect(samples(new LatencyInjector(profile, { seed: 99 }), 50)).toEqual(expected)
  })

  test('the same seed gives the same samples; another seed different ones', () => {
    const a = samples(new LatencyInjector('congested', { seed: 5 }), 100)
    const b = samples(new LatencyInjector('congested', { seed: 5 }), 100)
    const c = samples(new LatencyInjector('congested', { seed: 6 }), 100)
    expect(b).toEqual(a)
    expect(c).not.toEqual(a)
  })

  test('without a seed, two injectors draw different sequences', () => {
    const a = samples(new LatencyInjector('slow'), 20)
    const b = samples(new LatencyInjector('slow'), 20)
    expect(b).not.toEqual(a)
    expect(new LatencyInjector('slow').seed).toBeUndefined()
  })

  test('every scheduler draws from its own reproducible stream, whatever the others do', () => {
    vi.useFakeTimers()
    const first = new LatencyInjector('4g', { seed: 21 })
    const s0 = first.createScheduler()
    const s1 = first.createScheduler()
    const s0Draws = draws(s0, 30)
    const s1Draws = draws(s1, 30)

    // A second injector with the same seed: use the schedulers in the other order and interleave
    // sample() calls; each scheduler's stream is unchanged.
    const second = new LatencyInjector('4g', { seed: 21 })
    second.sample()
    const t0 = second.createScheduler()
    const t1 = second.createScheduler()
    expect(draws(t1, 30)).toEqual(s1Draws)
    second.sample()
    expect(draws(t0, 30)).toEqual(s0Draws)

    expect(s1Draws).not.toEqual(s0Draws)
    expect(s0Draws).not.toEqual(samples(new LatencyInjector('4g', { seed: 21 }), 30))
    for (const d of [...s0Draws, ...s1Draws]) {
      expect(d).toBeGreaterThanOrEqual(30)
      expect(d).toBeLessThanOrEqual(70)
    }
    for (const s of [s0, s1, t0, t1]) s.close()
    expect(vi.getTimerCount()).toBe(0)
  })

  test('createScheduler passes options through', () => {
    vi.useFakeTimers()
    const errors: unknown[] = []
    const scheduler = new LatencyInjector(10, { seed: 1 }).createScheduler({ onError: (e) => errors.push(e) })
    scheduler.schedule(() => {
      throw new Error('send failed')
    })
    vi.advanceTimersByTime(10)
    expect(errors).toEqual([new Error('send failed')])
    scheduler.close()
  })

  test('bad options are all reported before anything is built', () => {
    const options = { direction: 'sideways', seed: Number.NaN } as unknown as LatencyInjectorOptions
    let error: unknown
    try {
      new LatencyInjector('fast', options)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(MockWsError)
    expect((error as MockWsError).code).toBe('WSM_CONFIG')
    expect((error as MockWsError).message).toMatchInlineSnapshot(`
      "Failed to create latency injector: 2 problems in the options.
        - direction: must be one of 'out', 'in', 'both' (got "sideways")
        - seed: must be a finite number (got NaN)
      Pass for example { seed: 42, direction: 'out' }."
    `)
  })

  test('a bad profile fails with the profile error', () => {
    expect(() => new LatencyInjector('dialup')).toThrowErrorMatchingInlineSnapshot(`[MockWsError: Failed to resolve latency profile "dialup": no preset has that name. Use one of fast, normal, slow, 5g, 4g, 3g, 2g, edge, satellite, congested, or pass a custom spec such as { distribution: 'uniform', minMs: 50, maxMs: 200 }.]`)
  })
})
