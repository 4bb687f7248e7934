import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { Connection } from '../session/connection.js'
import type { Transport, TransportEvents } from '../session/transport.js'
import type { WsRawData, WsSocket } from './ws-socket.js'

/** `WebSocket.OPEN`. */
const OPEN = 1
/** Where a `ws` socket keeps its connection's events: three shared listeners instead of three closures per socket. */
const EVENTS = Symbol('mockforge-ws.events')
type Listened = WsSocket & { [EVENTS]: TransportEvents }

/**
 * The upgrade request of a connection as kept after the handshake: what the session and tests read of it.
 * While the connection's handler runs (and in upgrade gates) it is the full `IncomingMessage`.
 * @example
 * const conn = await ws.nextConnection(); conn.request.headers.cookie; conn.request.socket.remoteAddress
 */
export type UpgradeRequest = Pick<IncomingMessage, 'method' | 'url' | 'headers' | 'httpVersion' | 'socket'>

/**
 * A socket accepted by the `ws` server as a `Transport`: frames are handed over as the Buffers `ws` gives
 * (without a copy; text frames as their validated UTF-8, decoded by the connection when read).
 * @example
 * wss.handleUpgrade(request, socket, head, (ws) => session.accept(new WsTransport(ws, request)))
 */
export class WsTransport implements Transport {
  readonly url: string
  readonly headers: IncomingHttpHeaders
  /** The accepted `ws` socket (for what the connection's API does not cover: ping, pause). */
  readonly socket: WsSocket
  #request: UpgradeRequest | undefined
  #tcp: IncomingMessage['socket']

  constructor(socket: WsSocket, request: IncomingMessage) {
    this.socket = socket
    this.#request = request
    this.#tcp = request.socket
    this.url = request.url ?? '/'
    this.headers = request.headers
  }

  get protocol(): string {
    return this.socket.protocol
  }

  /**
   * The HTTP upgrade request: the `IncomingMessage` until the connection's handler has run, then its method,
   * url, headers, HTTP version and socket only (the rest of the message, about 700 bytes, is let go).
   */
  get request(): UpgradeRequest {
    this.#request ??= { method: 'GET', url: this.url, headers: this.headers, httpVersion: '1.1', socket: this.#tcp }
    return this.#request
  }

  /** @internal the handshake and the handler are done: keeps only what `request` shows from now on. */
  releaseRequest(): void {
    this.#request = undefined
  }

  get isOpen(): boolean {
    return this.socket.readyState === OPEN
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount
  }

  start(events: TransportEvents): void {
    const socket = this.socket as Listened
    socket[EVENTS] = events
    socket.on('message', onMessage)
    socket.on('error', onError)
    socket.on('close', onClose)
  }

  send(data: string | Uint8Array): void {
    this.socket.send(data, { binary: typeof data !== 'string' })
  }

  sendText(utf8: Uint8Array): void {
    this.socket.send(utf8, { binary: false })
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason)
  }

  terminate(): void {
    this.socket.terminate()
  }

  cork(): void {
    this.#tcp.cork()
  }

  uncork(): void {
    this.#tcp.uncork()
  }
}

// Text frames are handed over as ws gives them, UTF-8 already validated: the connection decodes when it needs the text.
function onMessage(this: Listened, raw: WsRawData, isBinary: boolean): void {
  const bytes = Array.isArray(raw) ? Buffer.concat(raw) : raw instanceof ArrayBuffer ? Buffer.from(raw) : raw
  this[EVENTS].message(bytes, isBinary, bytes.byteLength)
}

function onError(this: Listened, error: Error): void {
  this[EVENTS].error(error)
}

function onClose(this: Listened, code: number, reason: Buffer): void {
  this[EVENTS].close(code, reason.toString())
}

/**
 * A connection of the `ws` server or a router: `socket` and `request` are the `ws` socket and its upgrade request.
 * @example
 * const conn: MockConnection = await ws.nextConnection(); conn.socket.bufferedAmount
 */
export type MockConnection = Connection<WsTransport>
/** The connection class under its historical name (one class for every transport). */
export const MockConnection = Connection
