import { afterEach, describe, expect, test, vi } from 'vitest'
import { LatencyInjector } from '../../src/latency/injector.js'
import { OrderedScheduler } from '../../src/latency/scheduler.js'
import { watchLeaks } from '../support/leaks.js'

// Timing bounds leave room for a loaded 2-core CI machine; ordering assertions are exact.
const LATENESS_SLACK_MS = 400

function delaysFrom(delays: readonly number[]): () => number {
  let i = 0
  return () => delays[i++ % delays.length] as number
}

describe('with real timers', () => {
  test('callbacks run in order and never before their due time', async () => {
    const delays = [60, 45, 30, 15, 0]
    const scheduler = new OrderedScheduler(delaysFrom(delays))
    const ran: Array<{ index: number; at: number }> = []
    const due: number[] = []
    const waits: number[] = []
    const done = new Promise<void>((resolve) => {
      delays.forEach((_, index) => {
        const before = performance.now()
        const wait = scheduler.schedule(() => {
          ran.push({ index, at: performance.now() })
          if (index === delays.length - 1) resolve()
        })
        waits.push(wait)
        due.push(before + wait)
      })
    })
    expect(scheduler.pending).toBe(delays.length)
    await done
    expect(ran.map((r) => r.index)).toEqual([0, 1, 2, 3, 4])
    ran.forEach((r) => {
      expect(r.at).toBeGreaterThanOrEqual(due[r.index] as number)
      expect(r.at - (due[r.index] as number)).toBeLessThan(LATENESS_SLACK_MS)
    })
    // Later callbacks wait for the first one (60 ms) rather than their own shorter draw.
    waits.forEach((wait, i) => {
      expect(wait).toBeGreaterThanOrEqual(delays[i] as number)
      expect(wait).toBeLessThanOrEqual(60)
    })
    expect(scheduler.pending).toBe(0)
    scheduler.close()
  })

  test('1,000 callbacks under congested latency run in order, on time, with one timer', async () => {
    const leaks = watchLeaks()
    const injector = new LatencyInjector('congested', { seed: 11 })
    const scheduler = injector.createScheduler()
    const count = 1000
    const order: number[] = []
    const late: number[] = []
    const start = performance.now()
    const done = new Promise<void>((resolve) => {
      for (let i = 0; i < count; i++) {
        const before = performance.now()
        const wait = scheduler.schedule(() => {
          const now = performance.now()
          order.push(i)
          late.push(now - due)
          if (i === count - 1) resolve()
        })
        // A lower bound of the scheduler's own due time (taken before schedule() read the clock).
        const due = before + wait
      }
    })
    expect(scheduler.pending).toBe(count)
    expect(leaks.counts().timers).toBe(1)
    await done
    const elapsed = performance.now() - start

    expect(order).toEqual(Array.from({ length: count }, (_, i) => i))
    expect(Math.min(...late)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...late)).toBeLessThan(LATENESS_SLACK_MS)
    const profile = injector.profile
    expect(elapsed).toBeGreaterThanOrEqual(profile.minMs)
    expect(elapsed).toBeLessThan(profile.maxMs + LATENESS_SLACK_MS)
    expect(scheduler.pending).toBe(0)
    scheduler.close()
    await leaks.expectNone()
  })

  test('close() cancels pending callbacks and leaves no timer behind', async () => {
    const leaks = watchLeaks()
    const scheduler = new LatencyInjector('slow', { seed: 3 }).createScheduler()
    const run = vi.fn()
    for (let i = 0; i < 100; i++) scheduler.schedule(run)
    expect(leaks.counts().timers).toBe(1)
    scheduler.close()
    expect(scheduler.closed).toBe(true)
    expect(scheduler.pending).toBe(0)
    expect(leaks.counts().timers).toBe(0)
    await leaks.expectNone()
    expect(run).not.toHaveBeenCalled()
  })
})

describe('with fake timers', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  test('the clock being faked includes performance.now()', () => {
    vi.useFakeTimers()
    const t0 = performance.now()
    vi.advanceTimersByTime(123)
    expect(performance.now() - t0).toBe(123)
  })

  test('due_i = max(now + delay_i, due_(i-1))', () => {
    vi.useFakeTimers()
    const scheduler = new OrderedScheduler(delaysFrom([50, 10, 30, 70, 0]))
    const ran: string[] = []
    expect(['a', 'b', 'c', 'd', 'e'].map((k) => scheduler.schedule(() => ran.push(k)))).toEqual([50, 50, 50, 70, 70])
    vi.advanceTimersByTime(49)
    expect(ran).toEqual([])
    vi.advanceTimersByTime(1)
    expect(ran).toEqual(['a', 'b', 'c'])
    vi.advanceTimersByTime(19)
    expect(ran).toEqual(['a', 'b', 'c'])
    vi.advanceTimersByTime(1)
    expect(ran).toEqual(['a', 'b', 'c', 'd', 'e'])
    // Once everything has run, a new callback only waits for its own draw.
    expect(scheduler.schedule(() => ran.push('f'))).toBe(50)
    scheduler.close()
  })

  test('1,000 queued callbacks use one timer', () => {
    vi.useFakeTimers()
    const scheduler = new OrderedScheduler(delaysFrom([5, 200, 1, 40]))
    const ran: number[] = []
    for (let i = 0; i < 1000; i++) scheduler.schedule(() => ran.push(i))
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(5)
    expect(ran).toEqual([0])
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(195)
    expect(ran).toEqual(Array.from({ length: 1000 }, (_, i) => i))
    expect(vi.getTimerCount()).toBe(0)
    scheduler.close()
  })

  test('nothing runs after close(), and schedule() after close() is a no-op', () => {
    vi.useFakeTimers()
    const scheduler = new OrderedScheduler(() => 20)
    const run = vi.fn()
    scheduler.schedule(run)
    scheduler.schedule(run)
    scheduler.close()
    scheduler.close()
    expect(scheduler.schedule(run)).toBe(Infinity)
    expect(scheduler.pending).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
    vi.advanceTimersByTime(1000)
    expect(run).not.toHaveBeenCalled()
  })

  test('close() from inside a callback stops the callbacks behind it', () => {
    vi.useFakeTimers()
    const scheduler = new OrderedScheduler(() => 10)
    const ran: string[] = []
    scheduler.schedule(() => ran.push('a'))
    scheduler.schedule(() => {
      ran.push('b')
      scheduler.close()
    })
    scheduler.schedule(() => ran.push('c'))
    vi.advanceTimersByTime(100)
    expect(ran).toEqual(['a', 'b'])
    expect(vi.getTimerCount()).toBe(0)
  })

  test('flush() runs everything now, in order, and does not hold back later callbacks', () => {
    vi.useFakeTimers()
    const scheduler = new OrderedScheduler(delaysFrom([100, 300, 5]))
    const ran: string[] = []
    scheduler.schedule(() => ran.push('a'))
    scheduler.schedule(() => ran.push('b'))
    scheduler.flush()
    expect(ran).toEqual(['a', 'b'])
    expect(scheduler.pending).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
    expect(scheduler.schedule(() => ran.push('c'))).toBe(5)
    vi.advanceTimersByTime(5)
    expect(ran).toEqual(['a', 'b', 'c'])
    scheduler.close()
  })

  test('flush() from inside a callback runs the rest right after it', () => {
    vi.useFakeTimers()
    const scheduler = new OrderedScheduler(delaysFrom([10, 500, 900]))
    const ran: string[] = []
    scheduler.schedule(() => {
      ran.push('a')
      scheduler.flush()
      ran.push('a-end')
    })
    scheduler.schedule(() => ran.push('b'))
    scheduler.schedule(() => ran.push('c'))
    vi.advanceTimersByTime(10)
    expect(ran).toEqual(['a', 'a-end', 'b', 'c'])
    expect(vi.getTimerCount()).toBe(0)
    scheduler.close()
  })

  test('callbacks scheduled from a callback queue behind the ones already waiting', () => {
    vi.useFakeTimers()
    const scheduler = new OrderedScheduler(delaysFrom([10, 30, 0]))
    const ran: string[] = []
    scheduler.schedule(() => {
      ran.push('a')
      scheduler.schedule(() => ran.push('c'))
    })
    scheduler.schedule(() => ran.push('b'))
    vi.advanceTimersByTime(10)
    expect(ran).toEqual(['a'])
    vi.advanceTimersByTime(20)
    expect(ran).toEqual(['a', 'b', 'c'])
    scheduler.close()
  })

  test('idle() resolves when the queue empties, at once when idle, and on close()', async () => {
    vi.useFakeTimers()
    const scheduler = new OrderedScheduler(() => 25)
    await scheduler.idle()
    const ran: number[] = []
    scheduler.schedule(() => ran.push(1))
    scheduler.schedule(() => ran.push(2))
    const idle = scheduler.idle()
    vi.advanceTimersByTime(25)
    await idle
    expect(ran).toEqual([1, 2])

    scheduler.schedule(() => ran.push(3))
    const cancelled = scheduler.idle()
    scheduler.close()
    await cancelled
    expect(ran).toEqual([1, 2])
  })

  test('a throwing callback is reported and the ones behind it still run', () => {
    vi.useFakeTimers()
    const errors: unknown[] = []
    const scheduler = new OrderedScheduler(() => 10, { onError: (e) => errors.push(e) })
    const ran: string[] = []
    const boom = new Error('boom')
    scheduler.schedule(() => ran.push('a'))
    scheduler.schedule(() => {
      throw boom
    })
    scheduler.schedule(() => ran.push('c'))
    vi.advanceTimersByTime(10)
    expect(ran).toEqual(['a', 'c'])
    expect(errors).toEqual([boom])
    scheduler.close()
  })

  test('a negative or non-finite delay counts as 0', () => {
    vi.useFakeTimers()
    const scheduler = new OrderedScheduler(delaysFrom([-5, Number.NaN, Infinity]))
    const ran: number[] = []
    expect([1, 2, 3].map((i) => scheduler.schedule(() => ran.push(i)))).toEqual([0, 0, 0])
    expect(ran).toEqual([])
    vi.advanceTimersByTime(0)
    expect(ran).toEqual([1, 2, 3])
    scheduler.close()
  })
})
