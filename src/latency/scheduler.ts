import { MAX_TIMER_DELAY_MS } from '../constants.js'

/** Dead slots at the front of the queue tolerated before it is compacted. */
const QUEUE_COMPACT_THRESHOLD = 1024

interface Entry {
  /** `performance.now()` time at which the callback may run. */
  due: number
  /** Creation order, used by `flush()` to mark what it must run. */
  seq: number
  fn: () => void
}

/**
 * Options of an `OrderedScheduler`.
 * @example
 * const options: OrderedSchedulerOptions = { onError: (e) => console.error(e) }
 */
export interface OrderedSchedulerOptions {
  /**
   * Called with whatever a callback threw; the remaining callbacks still run in order.
   * Default: rethrow asynchronously, as an error thrown from a `setTimeout` callback would be.
   */
  onError?: (error: unknown) => void
}

/**
 * Runs callbacks after a delay each, in the order they were scheduled: callback i is due at
 * `max(now + delay_i, due_{i-1})`. One armed timer serves the whole FIFO queue.
 * @example
 * const scheduler = new OrderedScheduler(() => 50)
 * scheduler.schedule(() => socket.send('late by 50 ms'))
 * scheduler.close()
 */
export class OrderedScheduler {
  readonly #nextDelay: () => number
  readonly #onError: (error: unknown) => void
  #queue: Entry[] = []
  #head = 0
  #seq = 0
  #lastDue = 0
  #forceThrough = -1
  #timer: NodeJS.Timeout | undefined
  #draining = false
  #closed = false
  #idleWaiters: Array<() => void> = []

  /**
   * Creates a scheduler that asks `nextDelay()` for each callback's delay in ms.
   * @example
   * const scheduler = new OrderedScheduler(() => Math.random() * 100)
   */
  constructor(nextDelay: () => number, options: OrderedSchedulerOptions = {}) {
    this.#nextDelay = nextDelay
    this.#onError = options.onError ?? rethrowAsync
  }

  /**
   * Number of callbacks scheduled and not yet run.
   * @example
   * scheduler.pending // 0 when idle
   */
  get pending(): number {
    return this.#queue.length - this.#head
  }

  /**
   * True once `close()` was called.
   * @example
   * scheduler.close(); scheduler.closed // true
   */
  get closed(): boolean {
    return this.#closed
  }

  /**
   * Queues `fn` to run after a freshly drawn delay, never before anything scheduled earlier.
   * Returns the effective delay in ms (the draw, or longer when an earlier callback is due later);
   * after `close()` the callback is dropped and `Infinity` is returned.
   * @example
   * const waitMs = scheduler.schedule(() => socket.send(text))
   */
  schedule(fn: () => void): number {
    if (this.#closed) return Infinity
    const now = performance.now()
    const drawn = this.#nextDelay()
    const delay = Number.isFinite(drawn) && drawn > 0 ? drawn : 0
    // Held behind an earlier callback: share its due time exactly rather than a float re-derivation.
    const held = this.#lastDue - now > delay
    const due = held ? this.#lastDue : now + delay
    const wait = held ? this.#lastDue - now : delay
    this.#lastDue = due
    this.#queue.push({ due, seq: this.#seq++, fn })
    if (this.#timer === undefined && !this.#draining) this.#arm()
    return wait
  }

  /**
   * Runs every pending callback now, in order, without waiting for their delays.
   * Called from inside a callback, they run right after that callback returns.
   * @example
   * scheduler.flush(); scheduler.pending // 0
   */
  flush(): void {
    if (this.#closed || this.pending === 0) return
    this.#forceThrough = this.#seq - 1
    if (this.#draining) return
    this.#disarm()
    this.#drain()
  }

  /**
   * Resolves once nothing is pending (immediately when idle), or when the scheduler is closed.
   * @example
   * scheduler.schedule(() => socket.close()); await scheduler.idle()
   */
  idle(): Promise<void> {
    if (this.#closed || this.pending === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  /**
   * Drops every pending callback and clears the timer; nothing runs after this. Idempotent.
   * @example
   * scheduler.close(); scheduler.pending // 0
   */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#disarm()
    this.#queue = []
    this.#head = 0
    this.#notifyIdle()
  }

  #arm(): void {
    const head = this.#queue[this.#head]
    if (!head) return
    // Rounded up: a timer may fire up to a loop tick early against performance.now(), and an
    // early fire costs a second timer, whereas a late one costs under 1 ms.
    // Capped at what one timer holds: a longer wait fires at the cap, finds its entry not yet due and re-arms.
    const wait = Math.min(Math.max(0, Math.ceil(head.due - performance.now())), MAX_TIMER_DELAY_MS)
    this.#timer = setTimeout(this.#onTimer, wait)
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined
    this.#drain()
  }

  #drain(): void {
    this.#draining = true
    let now = performance.now()
    try {
      while (!this.#closed) {
        const entry = this.#queue[this.#head]
        if (!entry) break
        if (entry.seq > this.#forceThrough && entry.due > now) {
          now = performance.now()
          if (entry.due > now) break
        }
        this.#take()
        try {
          entry.fn()
        } catch (error) {
          this.#report(error)
        }
      }
    } finally {
      this.#draining = false
    }
    if (this.#closed) return
    if (this.pending > 0) {
      this.#arm()
      return
    }
    // Nothing left to stay behind, so a flushed (early) run must not hold back later callbacks.
    this.#lastDue = 0
    this.#notifyIdle()
  }

  #report(error: unknown): void {
    try {
      this.#onError(error)
    } catch (secondary) {
      // A throwing onError must not stall the callbacks queued behind the failing one.
      rethrowAsync(secondary)
    }
  }

  #take(): void {
    this.#queue[this.#head] = undefined as unknown as Entry
    this.#head++
    if (this.#head === this.#queue.length) {
      this.#queue = []
      this.#head = 0
    } else if (this.#head > QUEUE_COMPACT_THRESHOLD && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head)
      this.#head = 0
    }
  }

  #notifyIdle(): void {
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (const resolve of waiters) resolve()
  }
}

function rethrowAsync(error: unknown): void {
  queueMicrotask(() => {
    throw error
  })
}
