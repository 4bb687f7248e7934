import { fakeClock, type Clock } from '../template/clock.js'

/**
 * Waits until `clock.perfNow()` reaches `due`, or less when `signal` aborts; no timer outlives the wait.
 * libuv counts timers in whole ms against a cached loop time, so a timer can run up to ~1 ms before
 * `due`: then it sleeps again, and an event is never sent early.
 */
export async function delayUntil(due: number, signal: AbortSignal, clock: Clock = fakeClock): Promise<void> {
  for (let left = due - clock.perfNow(); left > 0 && !signal.aborted; left = due - clock.perfNow()) {
    await new Promise<void>((resolve) => {
      const done = () => {
        clock.clearTimeout(timer)
        signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = clock.setTimeout(done, Math.max(1, left))
      signal.addEventListener('abort', done, { once: true })
    })
  }
}

/**
 * Schedules event k at `anchor + k / rate` on a monotonic clock, so timer lateness never accumulates.
 * When the events themselves arrive more than an interval late (a slow model), the schedule restarts
 * from that event instead of bursting to catch up.
 */
export class RateSchedule {
  readonly intervalMs: number
  #anchor: number | undefined

  constructor(eventsPerSecond: number) {
    this.intervalMs = 1000 / eventsPerSecond
  }

  /**
   * Returns when event `k` (0-based) is due; `askedAt`/`readyAt` are when its data was asked for and arrived.
   * @example
   * const due = schedule.dueAt(k, askedAt, performance.now())
   */
  dueAt(k: number, askedAt: number, readyAt: number): number {
    if (this.#anchor === undefined) {
      this.#anchor = readyAt
      return readyAt
    }
    const due = this.#anchor + k * this.intervalMs
    // More than an interval late because the data itself was late (we were already waiting when it
    // fell due): the source stalled, so restart the schedule here rather than send a burst.
    if (askedAt <= due && readyAt - due > this.intervalMs) {
      this.#anchor = readyAt - k * this.intervalMs
      return readyAt
    }
    return due
  }
}
