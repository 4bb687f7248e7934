import { MAX_TIMER_DELAY_MS } from '../constants.js'
import { MockWsError, MockWsTimeoutError } from '../errors.js'
import { fakeClock, type Clock } from '../template/clock.js'

interface Waiter<T> {
  resolve: (item: T) => void
  reject: (error: Error) => void
  /** The clock's `perfNow()` at which the wait times out (Infinity: never). */
  deadline: number
  timeoutMs: number
  describe: string
}

/** A runtime timer's handle as far as holding the process goes (Node's and fake timers' have these; a browser's number not). */
type Holdable = { ref?: () => unknown; unref?: () => unknown } | undefined

/**
 * A FIFO of items that consumers await one at a time; items pushed before anyone waits are kept.
 * Used for client messages (player waits, `nextMessage()`) and connections (`nextConnection()`).
 * @example
 * const q = new MessageQueue<string>(); q.push('a'); await q.take(1000) // 'a'
 */
export class MessageQueue<T> {
  #items: T[] = []
  #head = 0
  #waiters: Waiter<T>[] = []
  #closedWith: Error | undefined
  readonly #clock: Clock
  // One timer for the whole queue, due by the earliest deadline (it checks the waiters when it fires). A take that
  // ends early leaves it armed for the next one, unref'd while nothing waits: a player step arms no timer of its own.
  #timer: unknown
  #timerAt = Infinity

  /** `clock` times the waits of `take()` (default: the global timers at call time). */
  constructor(clock: Clock = fakeClock) {
    this.#clock = clock
  }

  /** Number of items queued and not yet taken. */
  get size(): number {
    return this.#items.length - this.#head
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closedWith !== undefined
  }

  push(item: T): void {
    if (this.#closedWith) return
    const waiter = this.#waiters.shift()
    if (!waiter) {
      this.#items.push(item)
      return
    }
    // Nothing waits now: on the real clock the timer stays for the next take; a test counts a fake clock's timers.
    if (this.#waiters.length === 0) {
      if (this.#clock.kind === 'real') (this.#timer as Holdable)?.unref?.()
      else this.#stopTimer()
    }
    waiter.resolve(item)
  }

  /** Takes the oldest queued item without waiting, or `undefined`. */
  poll(): T | undefined {
    if (this.#head >= this.#items.length) return undefined
    const item = this.#items[this.#head] as T
    this.#items[this.#head] = undefined as T
    this.#head++
    // Compact now and then so a long-lived queue does not keep a growing array of holes.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    return item
  }

  /** Removes and returns every queued item. */
  drain(): T[] {
    const rest = this.#items.slice(this.#head)
    this.#items = []
    this.#head = 0
    return rest
  }

  /**
   * Resolves with the oldest item, waiting up to `timeoutMs` (Infinity: no limit) for one to arrive.
   * `describe` names what is awaited in the timeout error.
   */
  take(timeoutMs: number, describe = 'an item'): Promise<T> {
    if (this.size > 0) return Promise.resolve(this.poll() as T)
    if (this.#closedWith) return Promise.reject(this.#closedWith)
    // NaN would set no timer at all, so a wait meant to be bounded would hang forever.
    if (Number.isNaN(timeoutMs)) {
      return Promise.reject(new MockWsError('WSM_CONFIG', `Failed to wait for ${describe}: the timeout is NaN. Pass a number of ms, e.g. { timeout: 1000 }.`))
    }
    return new Promise<T>((resolve, reject) => {
      const deadline = timeoutMs === Infinity ? Infinity : this.#clock.perfNow() + timeoutMs
      this.#waiters.push({ resolve, reject, deadline, timeoutMs, describe })
      if (deadline !== Infinity) this.#arm(deadline)
    })
  }

  /** Makes the timer fire by `deadline`, and hold the process: someone waits. */
  #arm(deadline: number): void {
    if (this.#timer !== undefined && this.#timerAt <= deadline) return void (this.#timer as Holdable)?.ref?.()
    this.#stopTimer()
    this.#timerAt = deadline
    // A deadline beyond what one runtime timer holds is reached in chunks: each firing checks again.
    const ms = Math.min(Math.max(0, deadline - this.#clock.perfNow()), MAX_TIMER_DELAY_MS)
    this.#timer = this.#clock.setTimeout(() => this.#expire(), ms)
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }

  /** Rejects the waiters whose deadline has passed; arms the timer again for the others. */
  #expire(): void {
    this.#stopTimer()
    const now = this.#clock.perfNow()
    let next = Infinity
    this.#waiters = this.#waiters.filter((waiter) => {
      if (waiter.deadline > now) next = Math.min(next, waiter.deadline)
      else waiter.reject(new MockWsTimeoutError(`Timed out after ${waiter.timeoutMs} ms waiting for ${waiter.describe}.`))
      return waiter.deadline > now
    })
    if (next !== Infinity) this.#arm(next)
  }

  /**
   * Ends the queue after what it holds: queued items can still be taken, in order; once they are
   * gone, takes reject with `reason`. Nothing more is queued.
   */
  end(reason: Error = new MockWsError('WSM_CLOSED', 'Queue closed.')): void {
    if (this.#closedWith) return
    this.#closedWith = reason
    this.#stopTimer()
    // Waiters exist only while the queue is empty, so each of them sees the end now.
    for (const waiter of this.#waiters.splice(0)) waiter.reject(reason)
  }

  /** Rejects every waiter (and future takes) with `reason`; queued items are dropped. */
  close(reason: Error = new MockWsError('WSM_CLOSED', 'Queue closed.')): void {
    this.end(reason)
    this.#items = []
    this.#head = 0
  }
}
