import type { WebSocketHandlerConnection } from 'msw'
import { CLOSE_ABNORMAL } from '../constants.js'
import { MockWsError } from '../errors.js'
import { toUint8Array } from '../replay/bytes.js'
import { Connection } from '../session/connection.js'
import type { Transport, TransportEvents } from '../session/transport.js'
import { realClock } from '../template/clock.js'

type MswClient = WebSocketHandlerConnection['client']

/** The part of MSW's client socket the transport reads: `binaryType` decides how binary frames are delivered. */
interface ClientSocketLike {
  binaryType?: string
  readyState?: number
  addEventListener?(type: 'open', listener: () => void, options: { once: boolean }): void
}

/** `WebSocket.CONNECTING`. */
const CONNECTING = 0

/**
 * A client intercepted by an MSW `ws.link` handler as a `Transport`: Blobs are read in order, binary frames
 * reach the client as its `binaryType` asks, and a close waits for the sends before it (as on a wire).
 * @example
 * ws.link(url).addEventListener('connection', (c) => session.accept(new MswTransport(c)))
 */
export class MswTransport implements Transport {
  readonly url: string
  /** The full URL the client opened (`ws://host/path?query`). */
  readonly href: string
  /** Always empty: a WebSocket intercepted by MSW sends no HTTP handshake, so there are no request headers. */
  readonly headers: Readonly<Record<string, string>> = {}
  /** The subprotocol the client sees: the first it offered, or '' (MSW accepts whatever the client offers). */
  readonly protocol: string
  readonly bufferedAmount = 0
  /** MSW's client connection, for anything the transport does not wrap. */
  readonly client: MswClient
  #closing = false
  #closed = false
  // Blobs are read asynchronously; later messages (and the close) wait behind them so the order is the client's.
  #pendingBlob: Promise<void> | undefined

  constructor(connection: WebSocketHandlerConnection) {
    const { client, info } = connection
    this.client = client
    this.href = client.url.href
    this.url = `${client.url.pathname}${client.url.search}`
    const offered = info.protocols
    this.protocol = typeof offered === 'string' ? offered : (offered?.[0] ?? '')
  }

  get isOpen(): boolean {
    return !this.#closing && !this.#closed
  }

  start(events: TransportEvents): void {
    this.client.addEventListener('message', (event) => this.#onData(events, event.data))
    this.client.addEventListener('close', (event) => {
      const close = (): void => {
        this.#closed = true
        events.close(event.code, event.reason)
      }
      if (this.#pendingBlob) void this.#pendingBlob.then(close)
      else close()
    })
  }

  send(data: string | Uint8Array): void {
    this.client.send(typeof data === 'string' ? data : this.#deliverable(data))
  }

  close(code: number, reason: string): void {
    if (!this.isOpen) return
    this.#closing = true
    // MSW delivers a send in a later microtask (or on open, before the client has opened) and drops it if the
    // socket is closing by then; closing after those deliveries keeps "send, then close" in order, as on a wire.
    // A real microtask whatever the clock: Jest's fake timers fake queueMicrotask too, and close() must not hang.
    const doClose = (): void => realClock.queueMicrotask(() => this.client.close(code, reason))
    const socket = (this.client as unknown as { socket?: ClientSocketLike }).socket
    if (socket?.readyState === CONNECTING && typeof socket.addEventListener === 'function') socket.addEventListener('open', doClose, { once: true })
    else doClose()
  }

  /**
   * Drops the connection: the client sees code 1006. There is no socket to cut, so unlike a real drop
   * the client's close event still reports `wasClean: true`.
   */
  terminate(): void {
    this.close(CLOSE_ABNORMAL, '')
  }

  #deliverable(bytes: Uint8Array): ArrayBuffer | Blob {
    const binaryType = (this.client as unknown as { socket?: ClientSocketLike }).socket?.binaryType
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
    return binaryType === 'arraybuffer' || typeof Blob === 'undefined' ? buffer : new Blob([buffer])
  }

  #onData(events: TransportEvents, data: unknown): void {
    if (this.#pendingBlob || (typeof Blob !== 'undefined' && data instanceof Blob)) {
      const next = (this.#pendingBlob ?? Promise.resolve())
        .then(async () => deliver(events, data instanceof Blob ? new Uint8Array(await data.arrayBuffer()) : data))
        .catch((error: unknown) => events.error(error instanceof Error ? error : new MockWsError('WSM_CONFIG', String(error))))
        .finally(() => {
          if (this.#pendingBlob === next) this.#pendingBlob = undefined
        })
      this.#pendingBlob = next
      return
    }
    deliver(events, data)
  }
}

function deliver(events: TransportEvents, data: unknown): void {
  if (typeof data === 'string') events.message(data, false)
  else events.message(toUint8Array(data as ArrayBuffer | ArrayBufferView).slice(), true)
}

/**
 * A connection of an MSW mock: the one `Connection` class, over an `MswTransport` (`transport.client`, `transport.href`).
 * @example
 * const conn: MswConnection = await chat.nextConnection(); conn.send('hi')
 */
export type MswConnection = Connection<MswTransport>
/** The connection class under its MSW name (one class for every transport). */
export const MswConnection = Connection
