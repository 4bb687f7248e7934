import { MockWsError } from '../../errors.js'
import { importPeer } from '../../session/optional-peer.js'

/** The optional peer the kit runs on. */
export const SOCKET_IO_MODULE = 'socket.io'

/** What the kit takes from the `socket.io` package. */
export type SocketIoModule = typeof import('socket.io')

/**
 * Loads the optional `socket.io` package (once the mock starts, never at import); fails with a clear
 * error naming the package when it is not installed.
 * @example
 * const { Server } = await loadSocketIo()
 */
export function loadSocketIo(specifier: string = SOCKET_IO_MODULE): Promise<SocketIoModule> {
  return importPeer(specifier, (cause) =>
    new MockWsError(
      'WSM_CONFIG',
      `Failed to start mockSocketIo(): the optional package '${specifier}' is not installed. Run npm i -D socket.io (4.x) next to mockforge-ws.`,
      { cause },
    ))
}
