// The timers and clocks a mock waits with. No Node imports: the MSW path runs in browsers too.

/**
 * Which timers and clock a mock uses: `'real'` (the runtime's own, captured when mockforge-ws loads, so a
 * test's fake timers never freeze a mock) or `'fake'` (the globals as they are when called, so a test's
 * fake timers and `Date` drive script delays, waits, latency and `{{now}}`).
 */
export type ClockKind = 'real' | 'fake'

/** The timers and clocks of one mock: every delay, wait, latency draw and `{{now}}` goes through one. */
export interface Clock {
  readonly kind: ClockKind
  /** `setTimeout`; returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  /** Runs `fn` on a later turn of the event loop, after pending I/O (`setImmediate` where it exists). */
  setImmediate(fn: () => void): void
  /** `queueMicrotask`. */
  queueMicrotask(fn: () => void): void
  /** Monotonic ms, as `performance.now()`. */
  perfNow(): number
  /** ms since the epoch, as `Date.now()`. */
  dateNow(): number
}

type Timers = {
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (handle: unknown) => void
  setImmediate?: (fn: () => void) => unknown
  queueMicrotask?: (fn: () => void) => void
  performance?: { now(): number }
}

const g = globalThis as unknown as Timers
// Captured now, at load: `vi.useFakeTimers()` / `jest.useFakeTimers()` later replace the globals (and `Date`,
// `performance`), never these references. Bound to the global object, as browsers require.
const realSetTimeout = g.setTimeout.bind(globalThis)
const realClearTimeout = g.clearTimeout.bind(globalThis)
const realSetImmediate = typeof g.setImmediate === 'function' ? g.setImmediate.bind(globalThis) : undefined
const realQueueMicrotask = typeof g.queueMicrotask === 'function' ? g.queueMicrotask.bind(globalThis) : undefined
const realPerformance = g.performance
const realPerfNow = realPerformance && typeof realPerformance.now === 'function' ? realPerformance.now.bind(realPerformance) : undefined
const realDateNow = Date.now.bind(Date)

/** The runtime's real timers and clocks, captured when mockforge-ws loaded: unaffected by fake timers. */
export const realClock: Clock = Object.freeze({
  kind: 'real',
  setTimeout: (fn: () => void, ms: number): unknown => realSetTimeout(fn, ms),
  clearTimeout: (handle: unknown): void => realClearTimeout(handle),
  setImmediate: (fn: () => void): void => {
    if (realSetImmediate) realSetImmediate(fn)
    else realSetTimeout(fn, 0)
  },
  queueMicrotask: (fn: () => void): void => {
    if (realQueueMicrotask) realQueueMicrotask(fn)
    else void Promise.resolve().then(fn)
  },
  perfNow: (): number => (realPerfNow ? realPerfNow() : realDateNow()),
  dateNow: (): number => realDateNow(),
} satisfies Clock)

/** The global timers and clocks as they are at each call: a test's fake timers and `Date` drive it. */
export const fakeClock: Clock = Object.freeze({
  kind: 'fake',
  setTimeout: (fn: () => void, ms: number): unknown => (globalThis as unknown as Timers).setTimeout(fn, ms),
  clearTimeout: (handle: unknown): void => (globalThis as unknown as Timers).clearTimeout(handle),
  setImmediate: (fn: () => void): void => {
    const now = globalThis as unknown as Timers
    if (typeof now.setImmediate === 'function') now.setImmediate(fn)
    else now.setTimeout(fn, 0)
  },
  queueMicrotask: (fn: () => void): void => {
    const now = globalThis as unknown as Timers
    if (typeof now.queueMicrotask === 'function') now.queueMicrotask(fn)
    else void Promise.resolve().then(fn)
  },
  perfNow: (): number => {
    const performance = (globalThis as unknown as Timers).performance
    return performance && typeof performance.now === 'function' ? performance.now() : Date.now()
  },
  dateNow: (): number => Date.now(),
} satisfies Clock)

/** The clock of a `clock` option (`undefined`: the default, `'real'`). */
export function clockFor(kind: ClockKind | undefined): Clock {
  return kind === 'fake' ? fakeClock : realClock
}
