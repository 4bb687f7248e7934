import { MockWsError, MockWsTimeoutError } from '../errors.js'
import { fakeClock, type Clock } from '../template/clock.js'
import { setLongTimeout, type LongTimeout } from '../server/long-timeout.js'

interface Waiter<T> {
  resolve: (item: T) => void
  reject: (error: Error) => void
  timer: LongTimeout | undefined
}

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
    if (waiter) {
      waiter.timer?.clear()
      waiter.resolve(item)
      return
    }
    this.#items.push(item)
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
      const waiter: Waiter<T> = { resolve, reject, timer: undefined }
      if (Number.isFinite(timeoutMs)) {
        waiter.timer = setLongTimeout(() => {
          const at = this.#waiters.indexOf(waiter)
          if (at >= 0) this.#waiters.splice(at, 1)
          reject(new MockWsTimeoutError(`Timed out after ${timeoutMs} ms waiting for ${describe}.`))
        }, timeoutMs, this.#clock)
      }
      this.#waiters.push(waiter)
    })
  }

  /**
   * Ends the queue after what it holds: queued items can still be taken, in order; once they are
   * gone, takes reject with `reason`. Nothing more is queued.
   */
  end(reason: Error = new MockWsError('WSM_CLOSED', 'Queue closed.')): void {
    if (this.#closedWith) return
    this.#closedWith = reason
    // Waiters exist only while the queue is empty, so each of them sees the end now.
    for (const waiter of this.#waiters.splice(0)) {
      waiter.timer?.clear()
      waiter.reject(reason)
    }
  }

  /** Rejects every waiter (and future takes) with `reason`; queued items are dropped. */
  close(reason: Error = new MockWsError('WSM_CLOSED', 'Queue closed.')): void {
    if (this.#closedWith) return
    this.#closedWith = reason
    this.#items = []
    this.#head = 0
    for (const waiter of this.#waiters.splice(0)) {
      waiter.timer?.clear()
      waiter.reject(reason)
    }
  }
}
