import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { Connection } from '../session/connection.js'
import type { Transport, TransportEvents } from '../session/transport.js'
import type { WsRawData, WsSocket } from './ws-socket.js'

/** `WebSocket.OPEN`. */
const OPEN = 1

/**
 * A socket accepted by the `ws` server as a `Transport`: text frames are decoded to strings, binary
 * frames handed over as bytes (Buffers, without a copy).
 * @example
 * wss.handleUpgrade(request, socket, head, (ws) => session.accept(new WsTransport(ws, request)))
 */
export class WsTransport implements Transport {
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly protocol: string
  /** The accepted `ws` socket (for what the connection's API does not cover: ping, pause). */
  readonly socket: WsSocket
  /** The HTTP upgrade request. */
  readonly request: IncomingMessage

  constructor(socket: WsSocket, request: IncomingMessage) {
    this.socket = socket
    this.request = request
    this.url = request.url ?? '/'
    this.headers = request.headers
    this.protocol = socket.protocol
  }

  get isOpen(): boolean {
    return this.socket.readyState === OPEN
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount
  }

  start(events: TransportEvents): void {
    const socket = this.socket
    socket.on('message', (raw, isBinary) => {
      const bytes = toBuffer(raw)
      if (isBinary) events.message(bytes, true, bytes.byteLength)
      else events.message(bytes.toString('utf8'), false, bytes.byteLength)
    })
    socket.on('error', (error) => events.error(error))
    socket.on('close', (code, reason) => events.close(code, reason.toString()))
  }

  send(data: string | Uint8Array): void {
    this.socket.send(data, { binary: typeof data !== 'string' })
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason)
  }

  terminate(): void {
    this.socket.terminate()
  }
}

function toBuffer(data: WsRawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data)
  if (data instanceof ArrayBuffer) return Buffer.from(data)
  return data
}

/**
 * A connection of the `ws` server or a router: `socket` and `request` are the `ws` socket and its upgrade request.
 * @example
 * const conn: MockConnection = await ws.nextConnection(); conn.socket.bufferedAmount
 */
export type MockConnection = Connection<WsTransport>
/** The connection class under its historical name (one class for every transport). */
export const MockConnection = Connection
