// The seam between the session and a wire. A transport knows one client socket of one kind (a `ws`
// socket accepted by the HTTP listener, a client intercepted by MSW's `ws.link`, …) and nothing else:
// no transcript, no counters, no timers, no scripts. Everything a mock does with a connection lives
// in `Connection` (src/session/connection.ts), once, over this interface. Node-free on purpose: the MSW
// path bundles for the browser.

/** What a transport tells its connection, in the order things happened on the wire. */
export interface TransportEvents {
  /**
   * A frame from the client: a text frame as a string or as its UTF-8 bytes (validated, `isBinary` false: the
   * connection decodes them when something reads them), a binary frame as bytes. `size` is its length on the
   * wire in bytes when the transport knows it (else the connection counts the UTF-8 itself).
   */
  message(data: string | Uint8Array, isBinary: boolean, size?: number): void
  /** The socket is closed (code and reason as the transport saw them; 1006 when it was dropped). */
  close(code: number, reason: string): void
  /** The socket reported an error; a close follows. */
  error(error: Error): void
}

/**
 * One client socket as the session sees it: send, close, terminate, frames in order, a close event,
 * and what the client asked for (url, headers, subprotocol).
 * @example
 * transport.start({ message: (data) => console.log(data), close: () => {}, error: () => {} })
 * transport.send('hello')
 */
export interface Transport {
  /** Path and query the client requested (`/ws?room=1`). */
  readonly url: string
  /** Request headers, lower-case names; empty where the transport has no handshake (MSW). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  /** Negotiated subprotocol, or ''. */
  readonly protocol: string
  /** True while frames can be sent. */
  readonly isOpen: boolean
  /** Bytes handed to `send()` and not yet written out (0 where the transport cannot tell). */
  readonly bufferedAmount: number
  /** Starts delivering events; called once, by the connection that owns the transport. */
  start(events: TransportEvents): void
  /** Sends a text (string) or binary (bytes) frame; `false` when it could not be sent (it is then not recorded). */
  send(data: string | Uint8Array): void | boolean
  /** Sends UTF-8 bytes (a received text frame's) as a text frame, as they are: no decode and encode again. */
  sendText?(utf8: Uint8Array): void | boolean
  /** Starts the closing handshake with a close frame. */
  close(code: number, reason: string): void
  /** Drops the socket at once, without a close frame (the client sees 1006). */
  terminate(): void
  /** Holds written frames until `uncork()`, so many go out in one system call (transports over a TCP socket). */
  cork?(): void
  uncork?(): void
}
