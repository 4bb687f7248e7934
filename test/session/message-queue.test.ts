// MessageQueue's one timer: a take that gets its item leaves the timer for the next take (unref'd, so it holds
// nothing), waits still time out when due, the timer is gone at close, and a fake clock keeps no idle timer.
import { afterEach, describe, expect, test, vi } from 'vitest'
import { MockWsTimeoutError } from '../../src/errors.js'
import { MessageQueue } from '../../src/session/message-queue.js'
import { fakeClock, realClock, type Clock } from '../../src/template/clock.js'
import { watchLeaks } from '../support/leaks.js'

/** The real clock's behaviour (kind 'real') on vitest's fake timers, so the test drives time; counts the timers armed. */
function drivenRealClock(): Clock & { armed: number } {
  const clock = { ...fakeClock, kind: 'real' as const, armed: 0 }
  clock.setTimeout = (fn: () => void, ms: number): unknown => {
    clock.armed++
    return fakeClock.setTimeout(fn, ms)
  }
  return clock
}

afterEach(() => {
  vi.useRealTimers()
})

describe('MessageQueue on the real clock', () => {
  test('consecutive takes share one timer, and each still times out after its own timeoutMs', async () => {
    vi.useFakeTimers()
    const clock = drivenRealClock()
    const q = new MessageQueue<number>(clock)
    for (let i = 0; i < 100; i++) {
      const taken = q.take(1000, 'a number')
      vi.advanceTimersByTime(5)
      q.push(i)
      await expect(taken).resolves.toBe(i)
    }
    expect(clock.armed).toBe(1)
    // 500 ms into the 1000 ms the first timer was armed for: the next wait ends at 1500, not at 1000.
    const last = q.take(1000, 'the last number')
    const outcome = last.then(
      () => 'resolved',
      (error: unknown) => error,
    )
    vi.advanceTimersByTime(999)
    await Promise.resolve()
    expect(await Promise.race([outcome, Promise.resolve('pending')])).toBe('pending')
    vi.advanceTimersByTime(1)
    const error = await outcome
    expect(error).toBeInstanceOf(MockWsTimeoutError)
    expect((error as Error).message).toBe('Timed out after 1000 ms waiting for the last number.')
    q.close()
    expect(vi.getTimerCount()).toBe(0)
  })

  test('a shorter wait behind a longer one times out first, the longer one when due', async () => {
    vi.useFakeTimers()
    const q = new MessageQueue<string>(drivenRealClock())
    const long = q.take(1000, 'the long one').catch((e: Error) => e.message)
    const short = q.take(100, 'the short one').catch((e: Error) => e.message)
    vi.advanceTimersByTime(100)
    expect(await short).toBe('Timed out after 100 ms waiting for the short one.')
    vi.advanceTimersByTime(900)
    expect(await long).toBe('Timed out after 1000 ms waiting for the long one.')
    expect(vi.getTimerCount()).toBe(0)
  })

  test('the timer left for the next take holds nothing, and close() clears it', async () => {
    const leaks = watchLeaks()
    const q = new MessageQueue<string>(realClock)
    const taken = q.take(60_000)
    // While someone waits, the timer is a live one.
    expect(leaks.counts().timers).toBe(1)
    q.push('a')
    expect(await taken).toBe('a')
    expect(leaks.counts().timers).toBe(0)
    q.close()
    await leaks.expectNone()
  })

  test('end() clears the timer too, and rejects the waiter', async () => {
    vi.useFakeTimers()
    const q = new MessageQueue<string>(drivenRealClock())
    const taken = q.take(1000).catch((e: Error) => e.message)
    q.end(new Error('gone'))
    expect(await taken).toBe('gone')
    expect(vi.getTimerCount()).toBe(0)
  })
})

test('on a fake clock, a take that got its item leaves no timer (a test counts them)', async () => {
  vi.useFakeTimers()
  const q = new MessageQueue<string>(fakeClock)
  const taken = q.take(60_000)
  expect(vi.getTimerCount()).toBe(1)
  q.push('a')
  expect(await taken).toBe('a')
  expect(vi.getTimerCount()).toBe(0)
})
