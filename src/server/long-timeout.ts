import { MAX_TIMER_DELAY_MS } from '../constants.js'
import { fakeClock, type Clock } from '../template/clock.js'

/**
 * A pending `setLongTimeout`: `clear()` cancels it (idempotent); `pending` is true until it fired or was cleared.
 * @example
 * const timer = setLongTimeout(() => {}, 2 ** 32); timer.clear(); timer.pending // false
 */
export interface LongTimeout {
  clear(): void
  readonly pending: boolean
}

/**
 * `setTimeout` for any finite delay: a wait beyond the 2^31-1 ms a runtime timer holds is split into
 * chained timers of at most that length, so it fires when due instead of after 1 ms. The chunks are
 * counted, not read from a clock, so fake timers (`vi.useFakeTimers()`) drive it like any timer. `clock` says
 * whose timers to use (default: the globals at call time; mocks pass their own, real unless `clock: 'fake'`).
 * @example
 * const timer = setLongTimeout(() => console.log('in 30 days'), 30 * 86_400_000)
 * timer.clear()
 */
export function setLongTimeout(fn: () => void, ms: number, clock: Clock = fakeClock): LongTimeout {
  // NaN and negatives fire at once, as with setTimeout; Infinity never fires (rather than at once, as setTimeout would).
  return new LongTimer(fn, ms === Infinity ? Infinity : ms > 0 ? ms : 0, clock)
}

// One object and one closure per timer (a closure, the arm function and an object of two more closures before).
class LongTimer implements LongTimeout {
  #fn: () => void
  #remaining: number
  #clock: Clock
  #timer: unknown
  #pending = true

  constructor(fn: () => void, ms: number, clock: Clock) {
    this.#fn = fn
    this.#remaining = ms
    this.#clock = clock
    if (ms !== Infinity) this.#arm()
  }

  get pending(): boolean {
    return this.#pending
  }

  clear(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#pending = false
  }

  #arm(): void {
    const chunk = Math.min(this.#remaining, MAX_TIMER_DELAY_MS)
    this.#remaining -= chunk
    this.#timer = this.#clock.setTimeout(() => this.#fire(), chunk)
  }

  #fire(): void {
    if (this.#remaining > 0) return this.#arm()
    this.#timer = undefined
    this.#pending = false
    this.#fn()
  }
}
