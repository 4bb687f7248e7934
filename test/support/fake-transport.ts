// A transport with no wire, for tests: it records what the connection sends and closes (with the clock's time),
// and lets the test deliver client frames, a client close or a drop. A real `Connection` sits on it unchanged.
import type { Transport, TransportEvents } from '../../src/session/transport.js'
import { fakeClock, type Clock } from '../../src/template/clock.js'

/** One thing the connection did to the fake wire, with the clock's `perfNow()` at that moment. */
export type FakeWireEvent =
  | { kind: 'send'; at: number; data: string | Uint8Array }
  | { kind: 'close'; at: number; code: number; reason: string }
  | { kind: 'terminate'; at: number }

/**
 * A `Transport` a test drives by hand.
 * @example
 * const transport = new FakeTransport(); session.accept(transport); transport.deliver('hello')
 */
export class FakeTransport implements Transport {
  readonly url: string
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  readonly protocol: string
  /** What the connection did, in order. */
  readonly wire: FakeWireEvent[] = []
  bufferedAmount = 0
  #events: TransportEvents | undefined
  #open = true
  #clock: Clock
  /** When true (default), a server close is answered at once, as a client completing the closing handshake would. */
  echoClose: boolean

  constructor(init: { url?: string; headers?: Record<string, string>; protocol?: string; clock?: Clock; echoClose?: boolean } = {}) {
    this.url = init.url ?? '/ws'
    this.headers = init.headers ?? {}
    this.protocol = init.protocol ?? ''
    this.#clock = init.clock ?? fakeClock
    this.echoClose = init.echoClose ?? true
  }

  get isOpen(): boolean {
    return this.#open
  }

  /** The frames sent, in order (text as strings, binary as bytes). */
  get sent(): (string | Uint8Array)[] {
    return this.wire.flatMap((e) => (e.kind === 'send' ? [e.data] : []))
  }

  start(events: TransportEvents): void {
    if (this.#events) throw new Error('FakeTransport.start() called twice')
    this.#events = events
  }

  send(data: string | Uint8Array): void {
    if (!this.#open) throw new Error('FakeTransport.send() after the transport closed')
    this.wire.push({ kind: 'send', at: this.#clock.perfNow(), data })
  }

  close(code: number, reason: string): void {
    this.wire.push({ kind: 'close', at: this.#clock.perfNow(), code, reason })
    if (!this.#open) return
    this.#open = false
    // On a microtask, as a socket reports its close after the call returns (the connection arms its handshake timer first).
    if (this.echoClose) queueMicrotask(() => this.#started().close(code, reason))
  }

  terminate(): void {
    this.wire.push({ kind: 'terminate', at: this.#clock.perfNow() })
    if (!this.#open) return
    this.#open = false
    queueMicrotask(() => this.#started().close(1006, ''))
  }

  /** The client sends a frame (a string: text; bytes: binary). */
  deliver(data: string | Uint8Array): void {
    if (!this.#open) throw new Error('FakeTransport.deliver() after the transport closed')
    this.#started().message(data, typeof data !== 'string')
  }

  /** The client closes (its close frame arrives, the socket is gone). */
  clientClose(code = 1000, reason = ''): void {
    if (!this.#open) throw new Error('FakeTransport.clientClose() after the transport closed')
    this.#open = false
    this.#started().close(code, reason)
  }

  /** The server's close handshake completes (for `echoClose: false`). */
  completeClose(code: number, reason = ''): void {
    this.#started().close(code, reason)
  }

  #started(): TransportEvents {
    if (!this.#events) throw new Error('FakeTransport: start() was not called (accept the transport first)')
    return this.#events
  }
}
