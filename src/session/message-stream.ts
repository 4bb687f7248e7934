// The session's one awaitable stream of client messages: `nextMessage()` and the `toReceiveMessage` matchers
// both take from it, so they see the same messages and the same claims. Node-free: the MSW path runs in
// browsers too.
import { DEFAULT_MAX_TRANSCRIPT } from '../constants.js'
import { MockWsError, MockWsTimeoutError } from '../errors.js'
import { ReceivedText } from './bytes.js'
import { inboundMessage, type FrameData, type InboundMessage } from './connection.js'
import { setLongTimeout, type LongTimeout } from '../server/long-timeout.js'
import { fakeClock, type Clock } from '../template/clock.js'

/** @internal the key (a registered symbol, so a second copy of the package finds it) of a mock's `MessageStream`: the matchers' way in. */
export const MESSAGE_STREAM: unique symbol = Symbol.for('mockforge-ws.messageStream')

/** What one consumer asks the stream for. */
export interface StreamTake {
  /** Only messages this returns true for (default: any message). */
  match?: (message: InboundMessage) => boolean
  /** Only messages of this connection id (1-based). */
  connection?: number
  /** ms to wait for one (Infinity: no limit; 0 or less: only what already arrived, settled at once). */
  timeoutMs: number
  /** What is awaited, for the timeout error: `Timed out after N ms waiting for <describe>.` */
  describe: string
  /** Whose timers time the wait (default: the stream's clock). */
  clock?: Clock
  /**
   * false: observe without claiming (the `.not` matchers): the message stays available to every consumer.
   * Default true: the message is claimed, and no later take sees it.
   */
  claim?: boolean
}

/** The messages a stream holds for one scope, for failure messages. */
export interface StreamSeen {
  /** Messages not yet claimed, oldest first. */
  unclaimed: InboundMessage[]
  /** How many held messages were claimed. */
  claimed: number
}

interface Waiter {
  take: StreamTake
  resolve: (message: InboundMessage) => void
  reject: (error: Error) => void
  timer: LongTimeout | undefined
}

// Per held message, a flag word beside the connection id: bit 0 claimed (binary or text: the kept data says).
const CLAIMED = 1
const FLAG_BITS = 2
/** Forgotten messages that may sit at the front of the arrays before they are compacted (at least; or a tenth of the limit). */
const COMPACT_AFTER = 1024

/**
 * The client messages of one session, oldest first: every inbound message is pushed once, and consumers
 * take the oldest unclaimed one that satisfies them (claiming it) or wait for one, woken by `push`,
 * never by polling.
 *
 * The rule where consumers meet: **each client message is claimed at most once, by whichever consumer takes
 * it first** — `nextMessage()` (any message) or a positive `toReceiveMessage` (the first text message that
 * matches). A message `nextMessage()` returned does not satisfy a later `toReceiveMessage`, and a message a
 * `toReceiveMessage` claimed is not returned by a later `nextMessage()`. Observers (`.not`, `claim: false`)
 * claim nothing. The player's waits read the connection's own inbox, not this stream: a scenario step and a
 * test assertion both see every message.
 *
 * Bounded like the transcript: beyond `limit` messages the oldest are forgotten (claimed or not), one
 * per push, and counted in `dropped`. Held messages keep only their data, connection id, time and flags
 * (the data is the string or bytes the transcript holds anyway), not a message object each.
 */
export class MessageStream {
  #dropped = 0
  // A text kept as its received bytes (`ReceivedText`) becomes its string here the first time it is read.
  #data: FrameData[] = []
  #ts: number[] = []
  #info: number[] = []
  // Held messages start here: forgetting the oldest moves it on; the arrays are compacted now and then.
  #start = 0
  // Held messages before this index are all claimed: `nextMessage()` loops stay O(1) per take.
  #open = 0
  #unclaimed = 0
  #waiters: Waiter[] = []
  #closedWith: Error | undefined
  readonly #limit: number
  readonly #clock: Clock

  /** `limit`: messages held before the oldest are forgotten (default the transcript's); `clock` times waits. */
  constructor(options: { limit?: number; clock?: Clock } = {}) {
    this.#limit = options.limit ?? DEFAULT_MAX_TRANSCRIPT
    this.#clock = options.clock ?? fakeClock
  }

  /** Messages forgotten because more than `limit` were held. */
  get dropped(): number {
    return this.#dropped
  }

  /** Messages held (claimed or not). */
  get size(): number {
    return this.#data.length - this.#start
  }

  /** Held messages not yet claimed. */
  get unclaimedCount(): number {
    return this.#unclaimed
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closedWith !== undefined
  }

  /** Adds a client message: the oldest waiter it satisfies gets it at once; otherwise it is held. */
  push(message: InboundMessage): void {
    this.pushFrame(message.connection, message.ts, message.data, message)
  }

  /**
   * @internal adds a client frame as the connection kept it; its message object (`message`, or one made here) only
   * when a waiter is there to see it.
   */
  pushFrame(connection: number, ts: number, data: FrameData, message?: InboundMessage): void {
    if (this.#closedWith) return
    let claimed = false
    if (this.#waiters.length > 0) message ??= inboundMessage(connection, ts, data)
    for (let i = 0; i < this.#waiters.length; ) {
      const waiter = this.#waiters[i] as Waiter
      let ok: boolean
      try {
        ok = accepts(waiter.take, message as InboundMessage)
      } catch (error) {
        // A consumer's predicate threw: that consumer fails with it; the client, the push and the others carry on.
        this.#waiters.splice(i, 1)
        waiter.timer?.clear()
        waiter.reject(error instanceof Error ? error : new MockWsError('WSM_CONFIG', String(error)))
        continue
      }
      if (!ok) {
        i++
        continue
      }
      this.#waiters.splice(i, 1)
      waiter.timer?.clear()
      waiter.resolve(message as InboundMessage)
      // Observers see it and leave it; the first claiming waiter takes it, and nobody after it sees it.
      if (waiter.take.claim !== false) {
        claimed = true
        break
      }
    }
    // A text a waiter read is kept as its string (the bytes were let go).
    this.#data.push(data instanceof ReceivedText && message ? message.text : data)
    this.#ts.push(ts)
    this.#info.push(connection * FLAG_BITS + (claimed ? CLAIMED : 0))
    if (!claimed) this.#unclaimed++
    else if (this.#open === this.#data.length - 1) this.#open++
    if (this.#data.length - this.#start > this.#limit) this.#forgetOldest()
  }

  /**
   * Resolves with the oldest unclaimed message that satisfies `take` (claiming it unless `claim: false`),
   * waiting up to `take.timeoutMs` for one to be pushed. Rejects with a `MockWsTimeoutError` on timeout, and
   * with the close error once the stream is closed and nothing held satisfies it.
   */
  take(take: StreamTake): Promise<InboundMessage> {
    const { timeoutMs, describe } = take
    // NaN would set no timer at all, so a wait meant to be bounded would hang forever.
    if (Number.isNaN(timeoutMs)) {
      return Promise.reject(new MockWsError('WSM_CONFIG', `Failed to wait for ${describe}: the timeout is NaN. Pass a number of ms, e.g. { timeout: 1000 }.`))
    }
    let held: InboundMessage | undefined
    try {
      held = this.takeNow(take)
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new MockWsError('WSM_CONFIG', String(error)))
    }
    if (held) return Promise.resolve(held)
    if (this.#closedWith) return Promise.reject(this.#closedWith)
    // No wait at all: only what already arrived counts (as `{ timeout: 0 }` reads), on any clock.
    if (timeoutMs <= 0) return Promise.reject(new MockWsTimeoutError(`Timed out after ${timeoutMs} ms waiting for ${describe}.`))
    return new Promise<InboundMessage>((resolve, reject) => {
      const waiter: Waiter = { take, resolve, reject, timer: undefined }
      if (timeoutMs !== Infinity) {
        waiter.timer = setLongTimeout(
          () => {
            const at = this.#waiters.indexOf(waiter)
            if (at >= 0) this.#waiters.splice(at, 1)
            reject(new MockWsTimeoutError(`Timed out after ${timeoutMs} ms waiting for ${describe}.`))
          },
          timeoutMs,
          take.clock ?? this.#clock,
        )
      }
      this.#waiters.push(waiter)
    })
  }

  /** The oldest held unclaimed message that satisfies `take` (claimed unless `claim: false`), without waiting. */
  takeNow(take: Omit<StreamTake, 'timeoutMs' | 'describe' | 'clock'>): InboundMessage | undefined {
    for (let i = this.#open; i < this.#data.length; i++) {
      const info = this.#info[i] as number
      if (info & CLAIMED) continue
      if (take.connection !== undefined && Math.floor(info / FLAG_BITS) !== take.connection) continue
      const message = this.#message(i)
      if (take.match && !take.match(message)) continue
      if (take.claim !== false) this.#claim(i)
      return message
    }
    return undefined
  }

  /** The held messages of one connection (default: all) that pass `filter`: the unclaimed ones and a count of the claimed. */
  seen(scope: { connection?: number; filter?: (message: InboundMessage) => boolean } = {}): StreamSeen {
    const unclaimed: InboundMessage[] = []
    let claimed = 0
    for (let i = this.#start; i < this.#data.length; i++) {
      const info = this.#info[i] as number
      if (scope.connection !== undefined && Math.floor(info / FLAG_BITS) !== scope.connection) continue
      const message = this.#message(i)
      if (scope.filter && !scope.filter(message)) continue
      if (info & CLAIMED) claimed++
      else unclaimed.push(message)
    }
    return { unclaimed, claimed }
  }

  /**
   * Ends the stream: every waiter rejects with `reason` now, and later takes that nothing held satisfies
   * reject with it too. Held messages stay (for failure messages, and for takes of what already arrived).
   */
  close(reason: Error = new MockWsError('WSM_CLOSED', 'Failed to wait: the message stream was closed. Await messages before closing the mock.')): void {
    if (this.#closedWith) return
    this.#closedWith = reason
    for (const waiter of this.#waiters.splice(0)) {
      waiter.timer?.clear()
      waiter.reject(reason)
    }
  }

  #message(i: number): InboundMessage {
    const message = inboundMessage(Math.floor((this.#info[i] as number) / FLAG_BITS), this.#ts[i] as number, this.#data[i] as FrameData)
    if (!message.isBinary) this.#data[i] = message.text
    return message
  }

  #claim(i: number): void {
    this.#info[i] = (this.#info[i] as number) | CLAIMED
    this.#unclaimed--
    while (this.#open < this.#data.length && ((this.#info[this.#open] as number) & CLAIMED) !== 0) this.#open++
  }

  // Forgets the oldest held message; the arrays are compacted in one splice once a tenth of the limit (at
  // least COMPACT_AFTER) is forgotten, so a long soak stays bounded without an O(n) shift per message.
  #forgetOldest(): void {
    if (((this.#info[this.#start] as number) & CLAIMED) === 0) this.#unclaimed--
    this.#data[this.#start] = ''
    this.#start++
    if (this.#open < this.#start) this.#open = this.#start
    this.#dropped++
    if (this.#start >= Math.max(COMPACT_AFTER, Math.ceil(this.#limit / 10))) {
      this.#data.splice(0, this.#start)
      this.#ts.splice(0, this.#start)
      this.#info.splice(0, this.#start)
      this.#open -= this.#start
      this.#start = 0
    }
  }
}

function accepts(take: StreamTake, message: InboundMessage): boolean {
  if (take.connection !== undefined && message.connection !== take.connection) return false
  return take.match === undefined || take.match(message)
}
