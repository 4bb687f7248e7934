import { performance } from 'node:perf_hooks'
import type { Socket } from 'socket.io'
import { CLOSE_ABNORMAL } from '../../constants.js'
import { MockWsError } from '../../errors.js'
import type { InboundMessage, FrameScheduler } from '../../session/connection.js'
import { setLongTimeout, type LongTimeout } from '../../server/long-timeout.js'
import { MessageQueue } from '../../server/message-queue.js'
import type { TranscriptClose, TranscriptFrame } from '../../server/types.js'
import type { PlayerConnection } from '../../replay/player.js'
import type { PlayStep } from '../../replay/types.js'
import { markShutdownClose } from '../../replay/shutdown-close.js'
import { BINARY_KEY, frameText, parseFrame, type SocketIoFrame } from './dialect.js'

/** Reason a Socket.IO client reports when the server disconnects it (`socket.disconnect()`). */
export const SERVER_DISCONNECT_REASON = 'io server disconnect'
/** Reason socket.io gives its sockets when the server closes (`io.close()`). */
const SERVER_SHUTDOWN_REASON = 'server shutting down'
/** Close code written to the transcript for a Socket.IO disconnect (it has no code of its own). */
const DISCONNECT_CODE = 1000

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

/** What a connection reports to the mock that owns it. */
export interface SocketIoSink {
  record(frame: TranscriptFrame): void
  event(event: SocketIoEvent): void
  inbound(conn: SocketIoConnection, message: InboundMessage): void
  /** A client event (or ack) that cannot be written as a frame, e.g. nested past the stack: dropped, never a crash. */
  unrecordable(conn: SocketIoConnection, what: string, cause: string): void
  /** A send the script asked for could not be done (bad frame text, no pending ack). */
  sendFailed(conn: SocketIoConnection, text: string, cause: string, step?: PlayStep): void
  closed(conn: SocketIoConnection): void
}

/** Options of one connection, decided when the mock starts. */
export interface SocketIoConnectionInit {
  id: number
  socket: Socket
  sink: SocketIoSink
  outbound?: FrameScheduler | undefined
  inbound?: FrameScheduler | undefined
  dropOutbound?: (() => boolean) | undefined
  /** Expands template tokens inside one JSON string of an `out` frame (set by the script's player context). */
  render?: (text: string) => string
  /** The script's steps, to name the step of a send that failed. */
  steps?: readonly PlayStep[]
}

interface PendingAck {
  fn: (...args: unknown[]) => void
  record: SocketIoEvent
}

/** A queue that remembers the last message it handed out: the one an `{"ack":…}` frame answers. */
class TakingQueue extends MessageQueue<InboundMessage> {
  last: InboundMessage | undefined
  override take(timeoutMs: number, describe?: string): Promise<InboundMessage> {
    return super.take(timeoutMs, describe).then((message) => {
      this.last = message
      return message
    })
  }
}

function isAckFunction(value: unknown): value is (...args: unknown[]) => void {
  return typeof value === 'function'
}

/**
 * One Socket.IO client socket (in the mock's namespace), seen by the player as a connection whose
 * messages are the texts of the Socket.IO dialect (see docs/socket-io.md).
 * @example
 * const conn = await io.nextConnection(); conn.emit('welcome', { id: 1 }); conn.disconnect()
 */
export class SocketIoConnection implements PlayerConnection {
  /** 1-based id, in order of arrival. */
  readonly id: number
  /** The socket.io server's socket, for anything the kit does not cover. */
  readonly socket: Socket
  readonly namespace: string
  /** `performance.now()` when the socket connected: time 0 of its transcript. */
  readonly openedAt: number
  /** Resolves with the disconnect reason once the socket is gone. */
  readonly closed: Promise<TranscriptClose>
  #sink: SocketIoSink
  // Created when a script asks for it: without one, nothing would ever take what it queued.
  #inbox: TakingQueue | undefined
  #listeners: ((message: InboundMessage) => void)[] = []
  #cleanups: (() => void)[] = []
  #timers = new Set<LongTimeout>()
  #acks = new WeakMap<InboundMessage, PendingAck>()
  #outbound: FrameScheduler | undefined
  #inboundScheduler: FrameScheduler | undefined
  #dropOutbound: (() => boolean) | undefined
  #render: ((text: string) => string) | undefined
  #steps: readonly PlayStep[]
  #cursor = 0
  #closeRequested = false
  #isClosed = false
  #resolveClosed!: (close: TranscriptClose) => void

  constructor(init: SocketIoConnectionInit) {
    this.id = init.id
    this.socket = init.socket
    this.namespace = init.socket.nsp.name
    this.openedAt = performance.now()
    this.#sink = init.sink
    this.#outbound = init.outbound
    this.#inboundScheduler = init.inbound
    this.#dropOutbound = init.dropOutbound
    this.#render = init.render
    this.#steps = init.steps ?? []
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve))
    init.socket.onAny((event: string, ...args: unknown[]) => {
      if (this.#inboundScheduler) this.#inboundScheduler.schedule(() => this.#receiveEvent(event, args))
      else this.#receiveEvent(event, args)
    })
    init.socket.on('disconnect', (reason: string) => {
      // Events still held by inbound latency were emitted before the disconnect: they arrive first.
      this.#inboundScheduler?.flush?.()
      this.#onClose(reason)
    })
  }

  /** True while the socket is connected. */
  get isOpen(): boolean {
    return this.socket.connected && !this.#isClosed
  }

  /** ms since the socket connected. */
  elapsed(): number {
    return performance.now() - this.openedAt
  }

  /** Sets the renderer of template tokens (the script's context); the mock does it before playing. */
  setRenderer(render: (text: string) => string): void {
    this.#render = render
  }

  /** Emits `event` with `args` (Buffers are sent as binary attachments), through latency and faults. */
  emit(event: string, ...args: unknown[]): void {
    this.#sendFrame({ kind: 'event', event, args, ack: false }, undefined)
  }

  /** Disconnects the socket from the server side: the client sees `io server disconnect`. */
  disconnect(): void {
    this.close(DISCONNECT_CODE, SERVER_DISCONNECT_REASON)
  }

  /** Sends one frame of the dialect (what the player calls for `out` entries); a bad frame is a `send-failed` failure. */
  send(data: string | Uint8Array): void {
    const text = typeof data === 'string' ? data : Buffer.from(data).toString('utf8')
    const step = this.#stepOf(text)
    let frame: SocketIoFrame
    // Texts without tokens or bytes need no walk over their arguments.
    const str = text.includes('{{') ? this.#render : undefined
    try {
      frame = parseFrame(text, { decode: str !== undefined || text.includes(`"${BINARY_KEY}"`), str })
    } catch (error) {
      this.#sink.sendFailed(this, text, error instanceof Error ? error.message : String(error), step)
      return
    }
    // Without tokens the text as written is what goes out; no need to write it again.
    this.#sendFrame(frame, str === undefined ? text : undefined, step)
  }

  /** The script step that sends `text` (the player sends texts as written, in order). */
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

  #sendFrame(frame: SocketIoFrame, sentText: string | undefined, step?: PlayStep): void {
    if (frame.kind === 'ack') {
      const last = this.#inbox?.last
      const pending = last ? this.#acks.get(last) : undefined
      if (!pending || pending.record.event !== frame.to) {
        const got = last ? `the latest client message waited for is ${last.text}` : 'no client message was waited for yet'
        this.#sink.sendFailed(this, sentText ?? frameText(frame), `no ack of "${frame.to}" to answer: ${got}`, step)
        return
      }
      this.#acks.delete(last as InboundMessage)
      this.#schedule(() => {
        if (!this.isOpen) return
        pending.record.ack = frame.args
        pending.fn(...frame.args)
        this.#sink.record({ connection: this.id, ts: this.elapsed(), dir: 'out', text: sentText ?? frameText(frame) })
      })
      return
    }
    if (this.#dropOutbound?.()) return
    this.#schedule(() => {
      if (!this.isOpen) return
      const record: SocketIoEvent = { connection: this.id, namespace: this.namespace, dir: 'out', event: frame.event, args: frame.args, wantsAck: frame.ack, ts: this.elapsed() }
      try {
        if (frame.ack) this.socket.emit(frame.event, ...frame.args, (...reply: unknown[]) => this.#receiveAck(record, reply))
        else this.socket.emit(frame.event, ...frame.args)
      } catch (error) {
        // socket.io refuses reserved names and values it cannot encode; a script or replay file must not crash the process.
        this.#sink.sendFailed(this, sentText ?? frame.event, error instanceof Error ? error.message : String(error), step)
        return
      }
      this.#sink.record({ connection: this.id, ts: record.ts, dir: 'out', text: sentText ?? frameText(frame) })
      this.#sink.event(record)
    })
  }

  #schedule(fn: () => void): void {
    if (this.#outbound) this.#outbound.schedule(fn)
    else fn()
  }

  /** Closes from the server side: code 1006 drops the transport (`transport close`), anything else disconnects. */
  close(code = DISCONNECT_CODE, reason = SERVER_DISCONNECT_REASON): void {
    if (this.#closeRequested) return
    this.#closeRequested = true
    this.#schedule(() => {
      if (!this.socket.connected) return
      const drop = code === CLOSE_ABNORMAL
      // Socket.IO carries no close reason of its own: the client sees one of these two.
      this.#sink.record({ connection: this.id, ts: this.elapsed(), dir: 'out', close: { code, reason: drop ? 'transport close' : reason || SERVER_DISCONNECT_REASON } })
      if (drop) this.socket.conn.close()
      else this.socket.disconnect()
    })
  }

  inbox(): MessageQueue<InboundMessage> {
    this.#inbox ??= new TakingQueue()
    return this.#inbox
  }

  closeInbox(): InboundMessage[] {
    const rest = this.#inbox?.drain() ?? []
    this.#inbox?.close()
    return rest
  }

  onMessage(listener: (message: InboundMessage) => void): void {
    this.#listeners.push(listener)
  }

  onClose(cleanup: () => void): void {
    if (this.#isClosed) cleanup()
    else this.#cleanups.push(cleanup)
  }

  /** A timer owned by this connection (delays beyond 2^31-1 ms honoured): cleared when it closes. */
  setTimer(fn: () => void, ms: number): LongTimeout {
    const timer = setLongTimeout(() => {
      this.#timers.delete(timer)
      fn()
    }, ms)
    this.#timers.add(timer)
    return timer
  }


  #receiveEvent(event: string, args: unknown[]): void {
    if (this.#isClosed) return
    // socket.io calls this from its packet handler: whatever a client sent must not throw out of here.
    try {
      this.#recordEvent(event, args)
    } catch (error) {
      this.#sink.unrecordable(this, `event ${JSON.stringify(event)}`, error instanceof Error ? error.message : String(error))
    }
  }

  #recordEvent(event: string, args: unknown[]): void {
    const ack = isAckFunction(args.at(-1)) ? (args.pop() as (...a: unknown[]) => void) : undefined
    const ts = this.elapsed()
    const record: SocketIoEvent = { connection: this.id, namespace: this.namespace, dir: 'in', event, args, wantsAck: ack !== undefined, ts }
    const text = frameText({ kind: 'event', event, args, ack: ack !== undefined })
    const message: InboundMessage = { connection: this.id, data: text, text, isBinary: false, ts }
    if (ack) this.#acks.set(message, { fn: ack, record })
    this.#sink.record({ connection: this.id, ts, dir: 'in', text })
    this.#sink.event(record)
    this.#deliver(message)
  }

  #receiveAck(record: SocketIoEvent, reply: unknown[]): void {
    if (this.#isClosed) return
    let text: string
    try {
      text = frameText({ kind: 'ack', to: record.event, args: reply })
    } catch (error) {
      this.#sink.unrecordable(this, `the ack of ${JSON.stringify(record.event)}`, error instanceof Error ? error.message : String(error))
      return
    }
    record.ack = reply
    const ts = this.elapsed()
    this.#sink.record({ connection: this.id, ts, dir: 'in', text })
    this.#deliver({ connection: this.id, data: text, text, isBinary: false, ts })
  }

  #deliver(message: InboundMessage): void {
    this.#inbox?.push(message)
    this.#sink.inbound(this, message)
    for (const listener of this.#listeners) {
      try {
        listener(message)
      } catch (error) {
        // A listener's bug must not take the socket.io server down with it.
        this.#sink.sendFailed(this, message.text, `a message listener threw: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
  }

  #onClose(reason: string): void {
    if (this.#isClosed) return
    this.#isClosed = true
    // `io.close()` disconnects every socket with this reason: the server's doing, not the client's.
    const byServer = reason === SERVER_SHUTDOWN_REASON
    if (!this.#closeRequested) {
      const frame: TranscriptFrame = { connection: this.id, ts: this.elapsed(), dir: byServer ? 'out' : 'in', close: { code: DISCONNECT_CODE, reason } }
      // Recordings leave out the mock's own shutdown: replaying it would close every client there.
      if (byServer) markShutdownClose(frame)
      this.#sink.record(frame)
    }
    for (const timer of this.#timers) timer.clear()
    this.#timers.clear()
    this.#outbound?.close()
    this.#inboundScheduler?.close()
    // Events that arrived before the disconnect stay takeable: a script still matches them first.
    this.#inbox?.end(new MockWsError('WSM_CLOSED', `Socket.IO connection #${this.id} disconnected (${reason}).`))
    for (const cleanup of this.#cleanups.splice(0)) {
      try {
        cleanup()
      } catch {
        // Cleanups belong to the player; one that throws must not keep the others from running.
      }
    }
    this.#sink.closed(this)
    this.#resolveClosed({ code: DISCONNECT_CODE, reason })
  }
}
