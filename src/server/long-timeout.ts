import { MAX_TIMER_DELAY_MS } from '../constants.js'

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
 * counted, not read from a clock, so fake timers (`vi.useFakeTimers()`) drive it like any timer.
 * @example
 * const timer = setLongTimeout(() => console.log('in 30 days'), 30 * 86_400_000)
 * timer.clear()
 */
export function setLongTimeout(fn: () => void, ms: number): LongTimeout {
  // NaN and negatives fire at once, as with setTimeout; Infinity never fires (rather than at once, as setTimeout would).
  if (ms === Infinity) return never()
  let remaining = ms > 0 ? ms : 0
  let timer: ReturnType<typeof setTimeout> | undefined
  const arm = (): void => {
    const chunk = Math.min(remaining, MAX_TIMER_DELAY_MS)
    remaining -= chunk
    timer = setTimeout(() => {
      if (remaining > 0) {
        arm()
        return
      }
      timer = undefined
      fn()
    }, chunk)
  }
  arm()
  return {
    clear() {
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
    },
    get pending() {
      return timer !== undefined
    },
  }
}

function never(): LongTimeout {
  let pending = true
  return {
    clear() {
      pending = false
    },
    get pending() {
      return pending
    },
  }
}
