import { fakeClock, type Clock } from '../template/clock.js'

/** Waits `ms` on a timer of `clock`, or less when `signal` aborts; the timer never outlives the wait. */
export function abortableDelay(ms: number, signal: AbortSignal, clock: Clock = fakeClock): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clock.clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = clock.setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
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
