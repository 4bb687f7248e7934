// The part of a `ws` server-side WebSocket that mockforge-ws uses, declared here so that the published type
// declarations never import from 'ws' (users need not install @types/ws). `ws`'s WebSocket satisfies it.

/** What a `ws` socket hands its 'message' listeners: one Buffer, fragments, or an ArrayBuffer. */
export type WsRawData = Buffer | ArrayBuffer | Buffer[]

/**
 * The accepted socket under a `MockConnection` (a `ws` WebSocket at run time).
 * @example
 * const conn = await ws.nextConnection(); conn.socket.bufferedAmount
 */
export interface WsSocket {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number
  /** Negotiated subprotocol, or ''. */
  readonly protocol: string
  /** Bytes queued by `send()` and not yet written to the network. */
  readonly bufferedAmount: number
  /** True while reading is paused. */
  readonly isPaused: boolean
  send(data: string | Uint8Array, options: { binary?: boolean }, cb?: (error?: Error) => void): void
  close(code?: number, reason?: string | Buffer): void
  terminate(): void
  pause(): void
  resume(): void
  ping(data?: unknown): void
  pong(data?: unknown): void
  on(event: 'message', listener: (data: WsRawData, isBinary: boolean) => void): this
  on(event: 'close', listener: (code: number, reason: Buffer) => void): this
  on(event: 'error', listener: (error: Error) => void): this
  on(event: 'ping' | 'pong', listener: (data: Buffer) => void): this
  once(event: 'message', listener: (data: WsRawData, isBinary: boolean) => void): this
  once(event: 'close', listener: (code: number, reason: Buffer) => void): this
  off(event: 'ping' | 'pong', listener: (data: Buffer) => void): this
}
