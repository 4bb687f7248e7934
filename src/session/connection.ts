// The one connection of mockforge-ws: everything a mock does with a client socket (transcript records,
// inbox, listeners, timers, latency, drops, backpressure, the close handshake), once, over a `Transport`.
// Node-free: the same class serves the `ws` server, the routers and MSW (in Node and in a browser).
import { CLOSE_ABNORMAL, CLOSE_HANDSHAKE_TIMEOUT_MS, CLOSE_POLICY_VIOLATION, ORIGINAL_URL_HEADER } from '../constants.js'
import { MockWsError } from '../errors.js'
import { keepText, ReceivedText, toBase64, utf8Length } from './bytes.js'
import { trimOldest } from './bounded.js'
import { markShutdownClose } from '../replay/shutdown-close.js'
import { setLongTimeout, type LongTimeout } from '../server/long-timeout.js'
import type { TranscriptClose, TranscriptFrame } from '../server/types.js'
import { realClock, type Clock } from '../template/clock.js'
import { MessageQueue } from './message-queue.js'
import { toError } from './to-error.js'
import type { Transport, TransportEvents } from './transport.js'

/** Data a mock can send: text, or bytes for a binary frame. */
export type WsData = string | Uint8Array | ArrayBuffer

/** A client message as the player and `nextMessage()` see it. */
export interface InboundMessage {
  /** Connection id. */
  connection: number
  /** The frame's content: a string for text frames, bytes for binary frames. */
  data: string | Uint8Array
  /** Text of a text frame, or base64 of a binary frame (what text matchers see). */
  text: string
  isBinary: boolean
  /** ms since the connection opened. */
  ts: number
}

/**
 * @internal what the session keeps of a data frame: a text frame's string, or its received UTF-8 bytes not yet
 * decoded (`ReceivedText`), or a binary frame's bytes.
 */
export type FrameData = string | ReceivedText | Uint8Array

/**
 * @internal a client message from what was kept of its frame (text decoded now if it was kept as bytes).
 * @example
 * inboundMessage(1, 0, 'hi') // { connection: 1, data: 'hi', text: 'hi', isBinary: false, ts: 0 }
 */
export function inboundMessage(connection: number, ts: number, kept: FrameData): InboundMessage {
  if (kept instanceof Uint8Array) return { connection, data: kept, text: toBase64(kept), isBinary: true, ts }
  const text = typeof kept === 'string' ? kept : kept.text
  return { connection, data: text, text, isBinary: false, ts }
}

/** Orders deferred work; the latency injector's schedulers implement it. */
export interface FrameScheduler {
  schedule(fn: () => void): void
  /** Runs everything still pending, now and in order. */
  flush?(): void
  close(): void
}

/** What a connection reports to the session that owns it. */
export interface ConnectionSink {
  /** A close frame, as an object (shutdown closes are marked by identity). */
  record(frame: TranscriptFrame): void
  /**
   * A data frame of `size` bytes on the wire: a client message when `inbound` (with its message object when one
   * was made), else a frame sent to the client.
   */
  frame(conn: Connection, ts: number, data: FrameData, size: number, inbound?: boolean, message?: InboundMessage): void
  error(conn: Connection, error: Error): void
  closed(conn: Connection, code: number, reason: string): void
  /** The connection was closed with 1008 because `buffered` bytes were waiting to be sent, over `limit`. */
  overBuffered?(conn: Connection, buffered: number, limit: number): void
}

/**
 * How a connection is built: its transport and the session's bookkeeping, plus the per-connection
 * features (latency schedulers, the drop filter, limits) the session derived from its options.
 * @example
 * new Connection({ id: 1, transport, sink: session })
 */
export interface ConnectionInit<T extends Transport = Transport> {
  id: number
  transport: T
  sink: ConnectionSink
  outbound?: FrameScheduler
  inbound?: FrameScheduler
  /** Fault injection: returns true for each server→client message to lose. */
  dropOutbound?: () => boolean
  /** Length beyond which `messages` forgets its oldest entries (the session's `maxTranscript`). */
  maxMessages?: number
  /** Bytes that may wait in the send buffer before a send closes the connection with 1008. */
  maxBufferedBytes?: number
  /** Times the script's timers, waits and `elapsed()` (default: the real clock). */
  clock?: Clock
}

/** The `socket` of a transport that has one (the `ws` transport), else undefined. */
export type SocketOf<T> = T extends { readonly socket: infer S } ? S : undefined
/** The upgrade `request` of a transport that has one (the `ws` transport), else undefined. */
export type RequestOf<T> = T extends { readonly request: infer R } ? R : undefined

/** The `client` of a transport that has one (MSW's), else undefined. */
export type ClientOf<T> = T extends { readonly client: infer C } ? C : undefined

// The transport's listener of a connection; its methods are set in Connection's static block (they reach its privates).
interface Events extends TransportEvents {
  readonly conn: Connection
}
class Events {
  constructor(readonly conn: Connection) {}
}

// Connections whose close frame waits for the client's answer, with the time each gives up (realClock.perfNow()):
// one real timer for all of them. Every wait is CLOSE_HANDSHAKE_TIMEOUT_MS long, so insertion order is deadline
// order. On the real clock whatever the mock's clock, so that a close never waits for a test to advance fake timers.
const closeWaits = new Map<Connection, number>()
let closeTimer: unknown

// A client that never answers the close frame must not keep the mock alive: its transport is dropped.
function expireCloseWaits(): void {
  closeTimer = undefined
  const now = realClock.perfNow()
  for (const [conn, deadline] of closeWaits) {
    if (deadline > now) {
      closeTimer = realClock.setTimeout(expireCloseWaits, deadline - now)
      return
    }
    closeWaits.delete(conn)
    conn.transport.terminate()
  }
}

// The echo's entry among a connection's listeners: it sends each frame back as it came, without a message object.
const ECHO = (): void => {}

/**
 * One client connected to a mock, over any transport (`ws` server, router, MSW): send to it, close or
 * drop it, read what it sent. Latency, message drops and backpressure live here, so they work everywhere.
 * @example
 * const conn = await ws.nextConnection(); conn.send('hi'); conn.close(1000, 'bye')
 */
export class Connection<T extends Transport = Transport> {
  /** 1-based id, in order of arrival. */
  readonly id: number
  /** Request URL (path and query). */
  readonly url: string
  /** Request path without the query. */
  readonly path: string
  /** Request headers, lower-case names (empty over MSW: an intercepted WebSocket sends no handshake). */
  readonly headers: T['headers']
  /** Negotiated subprotocol, or ''. */
  readonly protocol: string
  /** The clock's `performance.now()` when the connection opened: time 0 of its transcript. */
  readonly openedAt: number
  /** The wire under this connection (a `ws` socket, an MSW client, a test's fake). */
  readonly transport: T

  // Every field counts per idle connection (docs/performance.md): arrays and the `closed` promise come on first use.
  #sink: ConnectionSink
  #clock: Clock
  #inbox: MessageQueue<InboundMessage> | undefined
  #listeners: ((message: InboundMessage) => void)[] | undefined
  #messages: FrameData[] | undefined
  // The first entry of `#messages` that may still be a `ReceivedText` (-1: none): decoded when `messages` is read.
  #undecoded = -1
  #closed: Promise<TranscriptClose> | undefined
  #closedWith: TranscriptClose | undefined
  // The time of the message being handled: a reply sent while handling it carries it (one clock read per echo).
  #now = -1
  // Created on first use: most connections (echo) never set a timer, and an empty Set costs ~150 bytes each.
  #timers: Set<LongTimeout> | undefined
  #outbound: FrameScheduler | undefined
  #inboundScheduler: FrameScheduler | undefined
  #dropOutbound: (() => boolean) | undefined
  #maxMessages: number
  #maxBufferedBytes: number
  #closeRequested = false
  #byShutdown = false
  #resolveClosed: ((close: TranscriptClose) => void) | undefined
  #cleanups: (() => void)[] | undefined

  constructor(init: ConnectionInit<T>) {
    this.#clock = init.clock ?? realClock
    this.id = init.id
    const transport = init.transport
    this.transport = transport
    this.url = transport.url
    const q = this.url.indexOf('?')
    this.path = q === -1 ? this.url : this.url.slice(0, q)
    this.headers = transport.headers
    this.protocol = transport.protocol
    this.openedAt = this.#clock.perfNow()
    this.#sink = init.sink
    this.#outbound = init.outbound
    this.#inboundScheduler = init.inbound
    this.#dropOutbound = init.dropOutbound
    this.#maxMessages = init.maxMessages ?? Infinity
    this.#maxBufferedBytes = init.maxBufferedBytes ?? Infinity
    transport.start(new Events(this))
  }

  // What the transport calls: one small object per connection instead of three closures.
  static {
    Events.prototype.message = function (this: Events, data, isBinary, size) {
      const conn = this.conn
      if (conn.#inboundScheduler) conn.#inboundScheduler.schedule(() => conn.#receive(data, isBinary, size))
      else conn.#receive(data, isBinary, size)
    }
    Events.prototype.error = function (this: Events, error) {
      this.conn.#sink.error(this.conn, error)
    }
    Events.prototype.close = function (this: Events, code, reason) {
      // Client messages still held by inbound latency were sent before the close frame: they arrive first.
      this.conn.#inboundScheduler?.flush?.()
      this.conn.#onClose(code, reason)
    }
  }

  /** Messages the client sent on this connection, in order (the newest `maxTranscript` of them). */
  get messages(): (string | Uint8Array)[] {
    const messages = (this.#messages ??= [])
    if (this.#undecoded >= 0) {
      for (let i = this.#undecoded; i < messages.length; i++) {
        const kept = messages[i]
        if (kept instanceof ReceivedText) messages[i] = kept.text
      }
      this.#undecoded = -1
    }
    return messages as (string | Uint8Array)[]
  }

  /** Resolves with the close code and reason once the socket is closed. */
  get closed(): Promise<TranscriptClose> {
    this.#closed ??= this.#closedWith ? Promise.resolve(this.#closedWith) : new Promise((resolve) => (this.#resolveClosed = resolve))
    return this.#closed
  }

  /** The `ws` socket under a connection of the `ws` server or a router (undefined over MSW). */
  get socket(): SocketOf<T> {
    return (this.transport as { socket?: unknown }).socket as SocketOf<T>
  }

  /** The HTTP upgrade request of a connection of the `ws` server or a router (undefined over MSW). */
  get request(): RequestOf<T> {
    return (this.transport as { request?: unknown }).request as RequestOf<T>
  }

  /** MSW's client connection under a connection of an MSW mock (undefined on a real socket). */
  get client(): ClientOf<T> {
    return (this.transport as { client?: unknown }).client as ClientOf<T>
  }

  /** The full URL the client opened (`ws://host/path?query`) where the transport knows it (MSW), else undefined. */
  get href(): string | undefined {
    return (this.transport as { href?: string }).href
  }

  /**
   * The URL the client asked for, when `ws.intercept()` or Playwright's `routeToMock` sent it here
   * (`wss://api.example.com/feed?x=1`); undefined for clients that connected to the mock's own URL.
   */
  get originalUrl(): string | undefined {
    const value = (this.headers as Record<string, unknown>)[ORIGINAL_URL_HEADER]
    return typeof value === 'string' ? value : undefined
  }

  /** True while the transport is open and no close was requested (by `close()`, `terminate()` or a script). */
  get isOpen(): boolean {
    return !this.#closeRequested && this.transport.isOpen
  }

  /** Bytes sent but not yet handed to the operating system: grows while the client does not read. */
  get bufferedAmount(): number {
    return this.transport.bufferedAmount
  }

  /** ms since the connection opened. */
  elapsed(): number {
    return this.#clock.perfNow() - this.openedAt
  }

  /**
   * Queue of client messages for the one consumer that plays a script on this connection.
   * Created on first use so echo connections keep nothing.
   */
  inbox(): MessageQueue<InboundMessage> {
    this.#inbox ??= new MessageQueue<InboundMessage>(this.#clock)
    return this.#inbox
  }

  /** Stops queueing client messages for a script (it has finished); returns those never taken. */
  closeInbox(): InboundMessage[] {
    const rest = this.#inbox?.drain() ?? []
    this.#inbox?.close()
    return rest
  }

  /** Calls `listener` for every client message on this connection. */
  onMessage(listener: (message: InboundMessage) => void): void {
    // A literal sizes the array for one listener (the usual case); push() on an empty array reserves 17 slots.
    if (!this.#listeners) this.#listeners = [listener]
    else this.#listeners.push(listener)
  }

  /** @internal sends every later client frame back as it came (text as text, binary as binary), in order with the listeners. */
  echo(): void {
    this.onMessage(ECHO)
  }

  /** Runs `cleanup` once when the connection closes (timers of a handler, an upstream socket, …). */
  onClose(cleanup: () => void): void {
    if (this.#closedWith) cleanup()
    else (this.#cleanups ??= []).push(cleanup)
  }

  /**
   * Sends a text (string) or binary (bytes) frame, through the latency injector when one is set.
   * Sending on a closed connection is ignored: the transcript shows only what was sent.
   * Messages lost on purpose (`dropMessages`) are not sent, so they are not in the transcript either.
   */
  send(data: WsData): void {
    if (this.#dropOutbound?.()) return
    const bytes = typeof data === 'string' ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : data
    if (this.#outbound) this.#outbound.schedule(() => this.#transmit(bytes))
    else this.#transmit(bytes)
  }

  /**
   * @internal sends UTF-8 `bytes` (valid UTF-8, as a received text frame's are) as a text frame without decoding
   * them: the transcript shows the text, read when something reads it.
   */
  sendUtf8(bytes: Uint8Array): void {
    this.#sendKept(keepText(bytes), bytes)
  }

  #sendKept(kept: FrameData, utf8: Uint8Array | undefined): void {
    if (this.#dropOutbound?.()) return
    if (this.#outbound) this.#outbound.schedule(() => this.#transmit(kept, utf8))
    else this.#transmit(kept, utf8)
  }

  /**
   * Closes with a close frame (default 1000), after any frames still delayed by latency.
   * Code 1006, which no close frame may carry, drops the connection there instead (see `terminate()`).
   */
  close(code = 1000, reason = ''): void {
    if (this.#closeRequested) return
    this.#closeRequested = true
    const doClose = (): void => {
      if (!this.transport.isOpen) return
      if (code === CLOSE_ABNORMAL) {
        this.#drop()
        return
      }
      const frame: TranscriptFrame = { connection: this.id, ts: this.elapsed(), dir: 'out', close: { code, reason } }
      if (this.#byShutdown) markShutdownClose(frame)
      this.#sink.record(frame)
      this.transport.close(code, reason)
      if (this.#closedWith) return
      closeWaits.set(this, realClock.perfNow() + CLOSE_HANDSHAKE_TIMEOUT_MS)
      closeTimer ??= realClock.setTimeout(expireCloseWaits, CLOSE_HANDSHAKE_TIMEOUT_MS)
    }
    if (this.#outbound) this.#outbound.schedule(doClose)
    else doClose()
  }

  /** @internal closes because the mock is shutting down: the close is left out of recordings. */
  closeForShutdown(code: number, reason: string): void {
    if (this.#closeRequested) return
    this.#byShutdown = true
    this.close(code, reason)
    // On a fake clock, frames held by latency would wait for the test to advance it: send them (and the close) now.
    if (this.#clock.kind === 'fake') this.#outbound?.flush?.()
  }

  /**
   * Drops the connection abruptly, now: no close frame (the client sees 1006). The transcript shows
   * it as a server close with code 1006, which replays as a drop.
   */
  terminate(): void {
    this.#closeRequested = true
    this.#drop()
  }

  /**
   * Drops the connection abruptly, like a network failure: no close frame, the client sees 1006 (an alias of
   * `terminate()`, for reconnect tests).
   * @example
   * (await ws.nextConnection()).drop(); await ws.nextConnection() // the client's reconnect
   */
  drop(): void {
    this.terminate()
  }

  #drop(): void {
    if (this.transport.isOpen) {
      this.#sink.record({ connection: this.id, ts: this.elapsed(), dir: 'out', close: { code: CLOSE_ABNORMAL, reason: '' } })
    }
    this.transport.terminate()
  }

  /** A timer owned by this connection: cleared when it closes; delays beyond 2^31-1 ms are honoured (chained). */
  setTimer(fn: () => void, ms: number): LongTimeout {
    const timers = (this.#timers ??= new Set())
    const timer = setLongTimeout(
      () => {
        timers.delete(timer)
        fn()
      },
      ms,
      this.#clock,
    )
    timers.add(timer)
    return timer
  }

  /** Cancels a timer set with `setTimer`. */
  clearTimer(timer: LongTimeout): void {
    timer.clear()
    this.#timers?.delete(timer)
  }

  // `utf8`: the text's UTF-8 bytes where they are at hand (a received text echoed), sent as they are.
  #transmit(data: FrameData, utf8?: Uint8Array): void {
    if (!this.transport.isOpen) return
    if (this.overBuffered()) return
    const { transport } = this
    const wire = utf8 ?? (data instanceof ReceivedText ? data.bytes : undefined)
    // A transport that refuses the frame (a kit's dialect: a reserved event name) reported why itself.
    const sent = wire && transport.sendText ? transport.sendText(wire) : transport.send(data instanceof ReceivedText ? data.text : data)
    if (sent === false) return
    const size = wire ? wire.byteLength : typeof data === 'string' ? utf8Length(data) : data.byteLength
    this.#sink.frame(this, this.#now >= 0 ? this.#now : this.elapsed(), data, size, false)
  }

  /**
   * @internal true (after reporting it and closing with 1008) when more than `maxBufferedBytes` wait to be
   * sent. Checked before a send, so one large message into an empty buffer is fine; a client that does not
   * read cannot make the mock hold more than the limit plus one message.
   */
  overBuffered(): boolean {
    const buffered = this.transport.bufferedAmount
    if (buffered <= this.#maxBufferedBytes) return false
    this.#sink.overBuffered?.(this, buffered, this.#maxBufferedBytes)
    this.close(CLOSE_POLICY_VIOLATION, 'send buffer over maxBufferedBytes: the client does not read')
    return true
  }

  #receive(data: string | Uint8Array, isBinary: boolean, size: number | undefined): void {
    if (this.#closedWith) return
    const ts = this.elapsed()
    // A text frame the transport handed over as its UTF-8 bytes: large ones stay bytes until something reads them.
    const utf8 = isBinary || typeof data === 'string' ? undefined : data
    const kept = utf8 ? keepText(utf8) : data
    // The message object is made for a consumer that reads it (the script's inbox, a listener), not for an echo.
    let message = this.#inbox ? inboundMessage(this.id, ts, kept) : undefined
    const messages = (this.#messages ??= [])
    messages.push(kept)
    if (this.#undecoded < 0 && kept instanceof ReceivedText) this.#undecoded = messages.length - 1
    // A long soak on one connection must stay bounded like the transcript.
    const dropped = trimOldest(messages, this.#maxMessages)
    if (dropped > 0 && this.#undecoded >= 0) this.#undecoded = Math.max(0, this.#undecoded - dropped)
    if (message) this.#inbox?.push(message)
    this.#sink.frame(this, ts, kept, size ?? (typeof data === 'string' ? utf8Length(data) : data.byteLength), true, message)
    if (!this.#listeners) return
    this.#now = ts
    for (const listener of this.#listeners) {
      try {
        if (listener === ECHO) this.#sendKept(kept, utf8)
        else listener((message ??= inboundMessage(this.id, ts, kept)))
      } catch (error) {
        this.#sink.error(this, toError(error, 'WSM_CONFIG'))
      }
    }
    this.#now = -1
  }

  #onClose(code: number, reason: string): void {
    if (this.#closedWith) return
    const close = (this.#closedWith = { code, reason })
    if (closeWaits.delete(this) && closeWaits.size === 0) {
      realClock.clearTimeout(closeTimer)
      closeTimer = undefined
    }
    if (!this.#closeRequested) {
      this.#sink.record({ connection: this.id, ts: this.elapsed(), dir: 'in', close: { code, reason } })
    }
    if (this.#timers) for (const timer of this.#timers) timer.clear()
    this.#timers?.clear()
    this.#outbound?.close()
    this.#inboundScheduler?.close()
    // Messages that arrived before the close frame stay takeable: a script still matches them first.
    this.#inbox?.end(new MockWsError('WSM_CLOSED', `Connection #${this.id} closed (${code}).`))
    for (const cleanup of this.#cleanups?.splice(0) ?? []) {
      try {
        cleanup()
      } catch (error) {
        this.#sink.error(this, toError(error, 'WSM_CONFIG'))
      }
    }
    this.#sink.closed(this, code, reason)
    this.#resolveClosed?.(close)
  }
}


