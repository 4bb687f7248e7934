import type { WebSocketHandlerConnection } from 'msw'
import { CLOSE_ABNORMAL } from '../constants.js'
import { MockWsError } from '../errors.js'
import type { PlayerConnection } from '../replay/player.js'
import type { InboundMessage, WsData } from '../server/connection.js'
import { setLongTimeout, type LongTimeout } from '../server/long-timeout.js'
import { MessageQueue } from '../server/message-queue.js'
import type { TranscriptClose, TranscriptFrame } from '../server/types.js'
import { toBase64, toUint8Array, utf8Length } from '../replay/bytes.js'
import { markShutdownClose } from '../replay/shutdown-close.js'

type MswClient = WebSocketHandlerConnection['client']

/**
 * What an MSW connection reports to the mock that owns it (the same bookkeeping as the real-socket engine).
 * @example
 * new MswConnection({ id: 1, connection, sink: { record, inbound, outbound, error, closed } })
 */
export interface MswConnectionSink {
  record(frame: TranscriptFrame): void
  inbound(conn: MswConnection, message: InboundMessage, size: number): void
  outbound(conn: MswConnection, size: number): void
  error(conn: MswConnection, error: Error): void
  closed(conn: MswConnection): void
}

/** The part of MSW's client socket the adapter reads: `binaryType` decides how binary frames are delivered. */
interface ClientSocketLike {
  binaryType?: string
  readyState?: number
  addEventListener?(type: 'open', listener: () => void, options: { once: boolean }): void
}

/** `WebSocket.CONNECTING`. */
const CONNECTING = 0

function now(): number {
  // Read at call time so that fake clocks that replace `performance` (vi.useFakeTimers) drive the player too.
  return globalThis.performance.now()
}

/**
 * One client connected through an MSW `ws.link` handler: the same members as a real-socket `MockConnection`
 * (send, close, terminate, messages, closed), and the `PlayerConnection` the replay player drives.
 * @example
 * const conn = await chat.nextConnection(); conn.send('hi'); conn.close(1000, 'bye')
 */
export class MswConnection implements PlayerConnection {
  /** 1-based id, in order of arrival. */
  readonly id: number
  /** Path and query of the URL the client opened, like `MockConnection.url`. */
  readonly url: string
  /** The full URL the client opened (`ws://host/path?query`). */
  readonly href: string
  /** Path without the query. */
  readonly path: string
  /** Always empty: a WebSocket intercepted by MSW sends no HTTP handshake, so there are no request headers. */
  readonly headers: Readonly<Record<string, string>> = {}
  /** The subprotocol the client sees: the first it offered, or '' (MSW accepts whatever the client offers). */
  readonly protocol: string
  /** `performance.now()` when the connection opened: time 0 of its transcript. */
  readonly openedAt: number
  /** Messages the client sent on this connection, in order. */
  readonly messages: (string | Uint8Array)[] = []
  /** Resolves with the close code and reason once the connection is closed. */
  readonly closed: Promise<TranscriptClose>
  /** MSW's client connection, for anything the adapter does not wrap. */
  readonly client: MswClient

  #sink: MswConnectionSink
  #inbox: MessageQueue<InboundMessage> | undefined
  #listeners: ((message: InboundMessage) => void)[] = []
  #timers = new Set<LongTimeout>()
  #cleanups: (() => void)[] = []
  #closeRequested = false
  #isClosed = false
  // Blobs are read asynchronously; later messages wait behind them so the order is the client's.
  #pendingBlob: Promise<void> | undefined
  #resolveClosed!: (close: TranscriptClose) => void

  constructor(init: { id: number; connection: WebSocketHandlerConnection; sink: MswConnectionSink }) {
    const { client, info } = init.connection
    this.id = init.id
    this.client = client
    this.href = client.url.href
    this.path = client.url.pathname
    this.url = `${client.url.pathname}${client.url.search}`
    const offered = info.protocols
    this.protocol = typeof offered === 'string' ? offered : (offered?.[0] ?? '')
    this.openedAt = now()
    this.#sink = init.sink
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve))
    client.addEventListener('message', (event) => this.#onData(event.data))
    client.addEventListener('close', (event) => this.#onClose(event.code, event.reason))
  }

  /** True until the connection closes or a close was requested. */
  get isOpen(): boolean {
    return !this.#closeRequested && !this.#isClosed
  }

  /** ms since the connection opened. */
  elapsed(): number {
    return now() - this.openedAt
  }

  /** Queue of client messages for the one player of this connection; created on first use so echo keeps nothing. */
  inbox(): MessageQueue<InboundMessage> {
    this.#inbox ??= new MessageQueue<InboundMessage>()
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
    this.#listeners.push(listener)
  }

  /** Runs `cleanup` once when the connection closes. */
  onClose(cleanup: () => void): void {
    if (this.#isClosed) cleanup()
    else this.#cleanups.push(cleanup)
  }

  /** A timer owned by this connection: cleared when it closes; delays beyond 2^31-1 ms are honoured (chained). */
  setTimer(fn: () => void, ms: number): LongTimeout {
    const timer = setLongTimeout(() => {
      this.#timers.delete(timer)
      fn()
    }, ms)
    this.#timers.add(timer)
    return timer
  }

  /**
   * Sends a text (string) or binary (bytes) frame; binary frames reach the client as a Blob or an
   * ArrayBuffer according to its `binaryType`, as from a real server. Ignored once closed.
   */
  send(data: WsData): void {
    if (!this.isOpen) return
    const ts = this.elapsed()
    if (typeof data === 'string') {
      this.client.send(data)
      this.#sink.record({ connection: this.id, ts, dir: 'out', text: data })
      this.#sink.outbound(this, utf8Length(data))
      return
    }
    const bytes = toUint8Array(data).slice()
    this.client.send(this.#deliverable(bytes))
    this.#sink.record({ connection: this.id, ts, dir: 'out', binary: bytes })
    this.#sink.outbound(this, bytes.byteLength)
  }

  /**
   * Closes the connection (default 1000); the client's `close` event carries the code and reason.
   * Code 1006 drops it instead, like `terminate()`.
   */
  close(code = 1000, reason = ''): void {
    this.#close(code, reason, false)
  }

  /** @internal closes because the mock is shutting down: the close is left out of recordings. */
  closeForShutdown(code: number, reason: string): void {
    this.#close(code, reason, true)
  }

  #close(code: number, reason: string, byShutdown: boolean): void {
    if (!this.isOpen) return
    this.#closeRequested = true
    if (code === CLOSE_ABNORMAL) reason = ''
    const frame: TranscriptFrame = { connection: this.id, ts: this.elapsed(), dir: 'out', close: { code, reason } }
    if (byShutdown) markShutdownClose(frame)
    this.#sink.record(frame)
    // MSW delivers a send in a later microtask (or on open, before the client has opened) and drops it if the
    // socket is closing by then; closing after those deliveries keeps "send, then close" in order, as on a wire.
    const doClose = (): void => queueMicrotask(() => this.client.close(code, reason))
    const socket = this.#clientSocket()
    if (socket?.readyState === CONNECTING && typeof socket.addEventListener === 'function') socket.addEventListener('open', doClose, { once: true })
    else doClose()
  }

  #clientSocket(): ClientSocketLike | undefined {
    return (this.client as unknown as { socket?: ClientSocketLike }).socket
  }

  /**
   * Drops the connection: the client sees code 1006. There is no socket to cut, so unlike a real drop
   * the client's close event still reports `wasClean: true`.
   */
  terminate(): void {
    this.close(CLOSE_ABNORMAL)
  }

  #deliverable(bytes: Uint8Array): ArrayBuffer | Blob {
    const binaryType = this.#clientSocket()?.binaryType
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
    return binaryType === 'arraybuffer' || typeof Blob === 'undefined' ? buffer : new Blob([buffer])
  }

  #onData(data: unknown): void {
    if (this.#pendingBlob || (typeof Blob !== 'undefined' && data instanceof Blob)) {
      const previous = this.#pendingBlob ?? Promise.resolve()
      const next = previous
        .then(async () => this.#receive(data instanceof Blob ? new Uint8Array(await data.arrayBuffer()) : data))
        .catch((error: unknown) => this.#sink.error(this, error instanceof Error ? error : new MockWsError('WSM_CONFIG', String(error))))
        .finally(() => {
          if (this.#pendingBlob === next) this.#pendingBlob = undefined
        })
      this.#pendingBlob = next
      return
    }
    this.#receive(data)
  }

  #receive(data: unknown): void {
    if (this.#isClosed) return
    const ts = this.elapsed()
    let message: InboundMessage
    let size: number
    if (typeof data === 'string') {
      message = { connection: this.id, data, text: data, isBinary: false, ts }
      size = utf8Length(data)
      this.#sink.record({ connection: this.id, ts, dir: 'in', text: data })
    } else {
      const bytes = toUint8Array(data as ArrayBuffer | ArrayBufferView).slice()
      message = { connection: this.id, data: bytes, text: toBase64(bytes), isBinary: true, ts }
      size = bytes.byteLength
      this.#sink.record({ connection: this.id, ts, dir: 'in', binary: bytes })
    }
    this.messages.push(message.data)
    this.#inbox?.push(message)
    this.#sink.inbound(this, message, size)
    for (const listener of this.#listeners) {
      try {
        listener(message)
      } catch (error) {
        this.#sink.error(this, error instanceof Error ? error : new MockWsError('WSM_CONFIG', String(error)))
      }
    }
  }

  #onClose(code: number, reason: string): void {
    if (this.#isClosed) return
    if (!this.#closeRequested) this.#sink.record({ connection: this.id, ts: this.elapsed(), dir: 'in', close: { code, reason } })
    this.#isClosed = true
    for (const timer of this.#timers) timer.clear()
    this.#timers.clear()
    // Messages that arrived before the close stay takeable: a script still matches them first.
    this.#inbox?.end(new MockWsError('WSM_CLOSED', `Connection #${this.id} closed (${code}).`))
    for (const cleanup of this.#cleanups.splice(0)) {
      try {
        cleanup()
      } catch (error) {
        this.#sink.error(this, error instanceof Error ? error : new MockWsError('WSM_CLOSED', String(error)))
      }
    }
    this.#sink.closed(this)
    this.#resolveClosed({ code, reason })
  }
}
