import { MockWsError } from '../../errors.js'

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
export async function loadSocketIo(specifier: string = SOCKET_IO_MODULE): Promise<SocketIoModule> {
  try {
    return (await import(specifier)) as SocketIoModule
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new MockWsError(
        'WSM_CONFIG',
        `Failed to start mockSocketIo(): the optional package '${specifier}' is not installed. Run npm i -D socket.io (4.x) next to mockforge-ws.`,
        { cause: error },
      )
    }
    throw error
  }
}
