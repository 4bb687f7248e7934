import type { Socket, ManagerOptions, SocketOptions } from 'socket.io-client'

export interface SioTestClient {
  socket: Socket
  connected: Promise<Socket>
  /** Resolves with the disconnect reason. */
  disconnected: Promise<string>
  /** Resolves with the arguments of the next `event`. */
  next(event: string, timeoutMs?: number): Promise<unknown[]>
  close(): Promise<void>
}
export declare function connectSio(url: string, options?: Partial<ManagerOptions & SocketOptions>): SioTestClient
export declare function trackClients(): {
  client(url: string, options?: Partial<ManagerOptions & SocketOptions>): SioTestClient
  closeClients(): Promise<unknown>
}
export declare const WAIT_MS: number
