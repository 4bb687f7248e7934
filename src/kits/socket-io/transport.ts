// One socket.io `Socket` as a session `Transport`: its events and acks go to the session's one `Connection`
// as frames of the kit's dialect (dialect.ts), and the frames the connection sends become emits and acks
// again. The transcript, inbox, latency, drops, close bookkeeping and the player are the session's.
import { performance } from 'node:perf_hooks'
import type { Socket } from 'socket.io'
import { CLOSE_GOING_AWAY, DEFAULT_MAX_TRANSCRIPT } from '../../constants.js'
import type { PlayStep } from '../../replay/types.js'
import type { Transport, TransportEvents } from '../../session/transport.js'
import { BINARY_KEY, decodeValue, frameText, parseFrame, tryParseFrame, type SocketIoFrame } from './dialect.js'
import { RESERVED_EVENTS } from './script.js'

/** Reason a Socket.IO client reports when the server disconnects it (`socket.disconnect()`). */
export const SERVER_DISCONNECT_REASON = 'io server disconnect'
/** Close code a Socket.IO disconnect is written with (it has no code of its own). */
export const DISCONNECT_CODE = 1000

/**
 * One decoded Socket.IO event either way, as `io.events` lists it; Buffers stay Buffers here.
 * @example
 * io.events.filter((e) => e.dir === 'in' && e.event === 'chat').map((e) => e.args[0])
 */
export interface SocketIoEvent {
  /** Connection id (1-based, in order of arrival). */
  connection: number
  /** Namespace of the socket, e.g. `/` or `/chat`. */
  namespace: string
  /** `in`: the client emitted it; `out`: the server did. */
  dir: 'in' | 'out'
  event: string
  args: unknown[]
  /** For an event whose sender asked for an ack: the ack's arguments once it was answered. */
  ack?: unknown[]
  /** True when the sender asked for an ack. */
  wantsAck: boolean
  /** ms since the connection opened. */
  ts: number
}

/** What a transport reports to the mock that owns it, besides the frames its connection records. */
export interface SocketIoTransportHooks {
  event(event: SocketIoEvent): void
  /** A client event (or ack) that cannot be written as a frame, e.g. nested past the stack: dropped, never a crash. */
  unrecordable(transport: SocketIoTransport, what: string, cause: string): void
  /** A frame the script sent could not be done (bad frame text, no pending ack, refused by socket.io). */
  sendFailed(transport: SocketIoTransport, text: string, cause: string, step: PlayStep | undefined): void
}

interface PendingAck {
  fn: (...args: unknown[]) => void
  record: SocketIoEvent
}

/**
 * A socket.io server socket (in the mock's namespace) as a `Transport` whose frames are dialect texts.
 * @example
 * io.of('/').on('connection', (socket) => session.accept(new SocketIoTransport(socket, 1, hooks)))
 */
export class SocketIoTransport implements Transport {
  readonly url: string
  readonly headers: Socket['handshake']['headers']
  readonly protocol = ''
  readonly bufferedAmount = 0
  /** The socket.io server's socket, for anything the kit does not cover. */
  readonly socket: Socket
  readonly namespace: string
  /** Id of the connection this transport is under (the session's next id when it was accepted). */
  readonly id: number
  #hooks: SocketIoTransportHooks
  #steps: readonly PlayStep[]
  #cursor = 0
  #openedAt = performance.now()
  #events: TransportEvents | undefined
  // "2" and the namespace: an event text of the dialect after it is the packet (undefined: emit through socket.io).
  #packetHead: string | undefined
  // Ack callbacks of client events, per event name, oldest first: an ack frame answers the oldest of its event.
  #acks = new Map<string, PendingAck[]>()

  constructor(socket: Socket, id: number, hooks: SocketIoTransportHooks, steps: readonly PlayStep[] = []) {
    this.socket = socket
    this.id = id
    this.namespace = socket.nsp.name
    this.url = socket.handshake.url
    this.headers = socket.handshake.headers
    this.#hooks = hooks
    this.#steps = steps
    // A custom parser (msgpack) or connection-state recovery (packets kept with offsets) needs socket.emit().
    const opts = (socket.nsp.server as unknown as { opts?: { parser?: unknown; connectionStateRecovery?: unknown } }).opts
    if (!opts?.parser && !opts?.connectionStateRecovery) this.#packetHead = socket.nsp.name === '/' ? '2' : `2${socket.nsp.name},`
  }

  get isOpen(): boolean {
    return this.socket.connected
  }

  start(events: TransportEvents): void {
    this.#events = events
    this.socket.onAny((event: string, ...args: unknown[]) => this.#receiveEvent(event, args))
    this.socket.on('disconnect', (reason: string) => events.close(DISCONNECT_CODE, reason))
  }

  /**
   * Sends one frame of the dialect: an event becomes an emit, an ack answers the oldest pending ack of its
   * event; `false` (not recorded) when it cannot be done, after reporting a `send-failed` failure.
   */
  send(data: string | Uint8Array): boolean {
    const text = typeof data === 'string' ? data : Buffer.from(data).toString('utf8')
    let frame: SocketIoFrame
    const binary = text.includes(`"${BINARY_KEY}"`)
    try {
      // The text was usually just written by frameText (an emit, a rendered template): its frame is remembered.
      frame = tryParseFrame(text) ?? parseFrame(text)
      if (binary) frame = { ...frame, args: decodeValue(frame.args) as unknown[] }
    } catch (error) {
      this.#hooks.sendFailed(this, text, causeOf(error), this.#stepOf(text))
      return false
    }
    if (frame.kind === 'ack') {
      const pending = this.#acks.get(frame.to)?.shift()
      if (!pending) {
        this.#hooks.sendFailed(this, text, `no ack of "${frame.to}" to answer: no client event "${frame.to}" asked for one that is not answered yet`, this.#stepOf(text))
        return false
      }
      pending.record.ack = frame.args
      pending.fn(...frame.args)
      return true
    }
    const record: SocketIoEvent = { connection: this.id, namespace: this.namespace, dir: 'out', event: frame.event, args: frame.args, wantsAck: frame.ack, ts: this.elapsed() }
    try {
      if (frame.ack) this.socket.emit(frame.event, ...frame.args, (...reply: unknown[]) => this.#receiveAck(record, reply))
      else if (binary || !this.#writePacket(text, frame.event)) this.socket.emit(frame.event, ...frame.args)
    } catch (error) {
      // socket.io refuses reserved names and values it cannot encode; a script or replay file must not crash the process.
      this.#hooks.sendFailed(this, text, causeOf(error), this.#stepOf(text))
      return false
    }
    this.#hooks.event(record)
    return true
  }

  /**
   * Writes an event text `["event",...]` as the packet itself, "2" + namespace + text, as socket.emit() would
   * after encoding the same arguments again; false (nothing written) when socket.emit() must do it.
   */
  #writePacket(text: string, event: string): boolean {
    // Reserved names get socket.io's own error; outgoing listeners see the event through emit().
    if (this.#packetHead === undefined || text.charCodeAt(0) !== 0x5b || RESERVED_EVENTS.has(event)) return false
    if (this.socket.listenersAnyOutgoing().length > 0) return false
    this.socket.client._packet((this.#packetHead + text) as never, { preEncoded: true })
    return true
  }

  /** 1001 (the mock going away) closes the engine.io connection, as a stopping server does; anything else disconnects. */
  close(code: number): void {
    // Deferred: socket.io reports the disconnect synchronously, and the connection is still closing.
    queueMicrotask(() => {
      if (code === CLOSE_GOING_AWAY) this.socket.conn.close(true)
      else this.socket.disconnect()
    })
  }

  /** Drops the engine.io connection: the client sees `transport close` (and reconnects). */
  terminate(): void {
    this.socket.conn.close()
  }

  /** ms since the socket connected. */
  elapsed(): number {
    return performance.now() - this.#openedAt
  }

  /** The script step that sends `text` (the player sends in order). */
  #stepOf(text: string): PlayStep | undefined {
    for (let i = this.#cursor; i < this.#steps.length; i++) {
      const step = this.#steps[i] as PlayStep
      if (step.dir === 'out' && step.text === text) {
        this.#cursor = i + 1
        return step
      }
    }
    return undefined
  }

  #receiveEvent(event: string, args: unknown[]): void {
    // socket.io calls this from its packet handler: whatever a client sent must not throw out of here.
    try {
      const fn = typeof args.at(-1) === 'function' ? (args.pop() as (...a: unknown[]) => void) : undefined
      const text = frameText({ kind: 'event', event, args, ack: fn !== undefined })
      const record: SocketIoEvent = { connection: this.id, namespace: this.namespace, dir: 'in', event, args, wantsAck: fn !== undefined, ts: this.elapsed() }
      if (fn) {
        let pending = this.#acks.get(event)
        if (!pending) this.#acks.set(event, (pending = []))
        // A client that never gets its acks answered must not make the mock hold them forever.
        if (pending.length >= DEFAULT_MAX_TRANSCRIPT) pending.shift()
        pending.push({ fn, record })
      }
      this.#hooks.event(record)
      this.#events?.message(text, false)
    } catch (error) {
      this.#hooks.unrecordable(this, `event ${JSON.stringify(event)}`, causeOf(error))
    }
  }

  #receiveAck(record: SocketIoEvent, reply: unknown[]): void {
    try {
      const text = frameText({ kind: 'ack', to: record.event, args: reply })
      record.ack = reply
      this.#events?.message(text, false)
    } catch (error) {
      this.#hooks.unrecordable(this, `the ack of ${JSON.stringify(record.event)}`, causeOf(error))
    }
  }
}

function causeOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
