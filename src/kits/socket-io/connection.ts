import { CLOSE_ABNORMAL } from '../../constants.js'
import { Connection } from '../../session/connection.js'
import { frameText } from './dialect.js'
import { DISCONNECT_CODE, SERVER_DISCONNECT_REASON, type SocketIoTransport } from './transport.js'

export { SERVER_DISCONNECT_REASON, type SocketIoEvent } from './transport.js'

/**
 * One Socket.IO client socket (in the mock's namespace): the session's one `Connection` over a
 * `SocketIoTransport`, whose messages are the texts of the Socket.IO dialect (see docs/socket-io.md),
 * with the verbs of the protocol.
 * @example
 * const conn = await io.nextConnection(); conn.emit('welcome', { id: 1 }); conn.disconnect()
 */
export class SocketIoConnection extends Connection<SocketIoTransport> {
  /** Namespace of the socket, e.g. `/` or `/chat`. */
  get namespace(): string {
    return this.transport.namespace
  }

  /** Emits `event` with `args` (Buffers are sent as binary attachments), through latency and faults. */
  emit(event: string, ...args: unknown[]): void {
    this.send(frameText({ kind: 'event', event, args, ack: false }))
  }

  /** Disconnects the socket from the server side: the client sees `io server disconnect`. */
  disconnect(): void {
    this.close(DISCONNECT_CODE, SERVER_DISCONNECT_REASON)
  }

  /** Closes from the server side: code 1006 drops the transport (`transport close`), anything else disconnects. */
  override close(code = DISCONNECT_CODE, reason = SERVER_DISCONNECT_REASON): void {
    // Socket.IO carries no close reason of its own: the client sees `io server disconnect`.
    super.close(code, reason || code === CLOSE_ABNORMAL ? reason : SERVER_DISCONNECT_REASON)
  }
}
