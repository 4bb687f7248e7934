import http from 'node:http'
import type { Server as SocketIoServer } from 'socket.io'
import { DEFAULT_NEXT_TIMEOUT_MS } from '../../constants.js'
import { MockWsError } from '../../errors.js'
import { MessageQueue } from '../../server/message-queue.js'
import { MESSAGE_STREAM, MessageStream } from '../../session/message-stream.js'
import { realClock } from '../../template/clock.js'
import { ScenarioFailureError, type NextOptions, type ToReplayOptions } from '../../server/mock-ws.js'
import { trackMock } from '../../server/registry.js'
import type { ScenarioFailure, TranscriptFrame } from '../../server/types.js'
import { toJSONL } from '../../replay/serialize.js'
import type { ReplayEntry } from '../../replay/types.js'
import { isShutdownClose } from '../../replay/shutdown-close.js'
import { parseFrame, frameText } from './dialect.js'
import { SocketIoConnection, type SocketIoEvent, type SocketIoSink } from './connection.js'

/** Counters of a Socket.IO mock (the shape the shared matchers read). */
export interface MockSocketIoMetrics {
  connectionsTotal: number
  eventsIn: number
  eventsOut: number
}

/** What starting a mock hands its connections (set up by the builder). */
export interface SocketIoConnectionSetup {
  /** Called for every new connection, before its first event; plays the script. */
  onConnection(conn: SocketIoConnection, mock: MockSocketIo): void
  makeConnection(id: number, socket: import('socket.io').Socket, sink: SocketIoSink): SocketIoConnection
}

/** Escapes `{{` inside every JSON string so a recording replays literally (`\{{`). */
function literalStrings(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/\\?\{\{/g, (m) => (m === '{{' ? '\\{{' : `\\${m}`))
  if (Array.isArray(value)) return value.map(literalStrings)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = literalStrings(v)
    return out
  }
  return value
}

/**
 * A running Socket.IO mock: a real `socket.io` server on a loopback port, its decoded events,
 * transcript and failures.
 * @example
 * const io = await mockSocketIo().emit('welcome', { id: 1 }); const client = ioClient(io.url)
 */
export class MockSocketIo {
  /** `http://127.0.0.1:PORT`: what `io(url)` takes (add the namespace for another one than `/`). */
  readonly url: string
  readonly port: number
  readonly host: string
  /** Namespace whose sockets the script plays on. */
  readonly namespace: string
  /** The socket.io path (default `/socket.io`). */
  readonly path: string
  /** The `socket.io` Server, for anything the kit does not cover. */
  readonly server: SocketIoServer
  /** Resolves with the first connection. */
  readonly connected: Promise<SocketIoConnection>
  #http: http.Server
  #strict: boolean
  #live: SocketIoConnection[] = []
  #transcript: TranscriptFrame[] = []
  #events: SocketIoEvent[] = []
  #failures: ScenarioFailure[] = []
  #connectionQueue = new MessageQueue<SocketIoConnection>()
  #eventQueue = new MessageQueue<SocketIoEvent>()
  // What `toReceiveMessage` takes from: the dialect's client frames, as the transcript shows them.
  #messageStream = new MessageStream({ clock: realClock })
  #metrics: MockSocketIoMetrics = { connectionsTotal: 0, eventsIn: 0, eventsOut: 0 }
  #closing: Promise<void> | undefined
  #shuttingDown = false
  #untrack: () => void
  #resolveFirst!: (conn: SocketIoConnection) => void

  /** @internal use `mockSocketIo()` */
  constructor(init: { http: http.Server; server: SocketIoServer; host: string; port: number; namespace: string; path: string; strict: boolean; setup: SocketIoConnectionSetup }) {
    this.#http = init.http
    this.server = init.server
    this.host = init.host
    this.port = init.port
    this.namespace = init.namespace
    this.path = init.path
    this.#strict = init.strict
    this.url = `http://${init.host.includes(':') ? `[${init.host}]` : init.host}:${init.port}`
    this.connected = new Promise((resolve) => (this.#resolveFirst = resolve))
    // Nothing waits on it in most tests; a rejection here would be an unhandled one.
    this.connected.catch(() => {})
    const sink = this.#sink()
    init.server.of(init.namespace).on('connection', (socket) => {
      if (this.#shuttingDown) {
        socket.disconnect(true)
        return
      }
      const conn = init.setup.makeConnection(++this.#metrics.connectionsTotal, socket, sink)
      this.#live.push(conn)
      init.setup.onConnection(conn, this)
      this.#connectionQueue.push(conn)
      if (conn.id === 1) this.#resolveFirst(conn)
    })
    this.#untrack = trackMock(this)
  }

  #sink(): SocketIoSink {
    return {
      record: (frame) => this.#transcript.push(frame),
      event: (event) => {
        this.#events.push(event)
        if (event.dir === 'in') {
          this.#metrics.eventsIn++
          this.#eventQueue.push(event)
        } else {
          this.#metrics.eventsOut++
        }
      },
      inbound: (_conn, message) => this.#messageStream.push(message),
      unrecordable: (conn, what, cause) => {
        const actual = `${what} could not be recorded: ${cause}`
        this.addFailure({ kind: 'unexpected-message', connection: conn.id, step: 0, expected: 'an event the mock can record', actual, ts: conn.elapsed(), message: actual })
      },
      sendFailed: (conn, text, cause, step) => {
        const number = step ? step.index + 1 : 0
        const where = step ? ` (${step.origin.file}:${step.origin.line})` : ''
        this.addFailure({
          kind: 'send-failed',
          connection: conn.id,
          step: number,
          expected: step ? (step.origin.description ?? text) : text,
          actual: cause,
          ts: conn.elapsed(),
          message: `step ${number}${where}: send failed: ${cause}`,
          ...(step ? { origin: step.origin } : {}),
        })
      },
      closed: (conn) => {
        const at = this.#live.indexOf(conn)
        if (at >= 0) this.#live.splice(at, 1)
      },
    }
  }

  /** @internal records a failure (the player and the connections report here). */
  addFailure(failure: ScenarioFailure): void {
    this.#failures.push(failure)
  }

  /** @internal true while closing: a disconnect then is not the client's doing. */
  get shuttingDown(): boolean {
    return this.#shuttingDown
  }

  /** Connected sockets of the namespace, in order of arrival. */
  get connections(): readonly SocketIoConnection[] {
    return this.#live
  }

  /** Decoded events both ways, every connection, in order. */
  get events(): readonly SocketIoEvent[] {
    return this.#events
  }

  /** Every frame both ways in the Socket.IO dialect (docs/socket-io.md): what the matchers and reports read. */
  get transcript(): readonly TranscriptFrame[] {
    return this.#transcript
  }

  /** Client → server frames. */
  get received(): TranscriptFrame[] {
    return this.#transcript.filter((f) => f.dir === 'in' && !f.close)
  }

  /** Server → client frames. */
  get sent(): TranscriptFrame[] {
    return this.#transcript.filter((f) => f.dir === 'out' && !f.close)
  }

  /** Scenario failures so far. */
  get failures(): readonly ScenarioFailure[] {
    return this.#failures
  }

  /** Snapshot of the counters. */
  get metrics(): MockSocketIoMetrics {
    return { ...this.#metrics }
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closing !== undefined
  }

  /** @internal the stream the `toReceiveMessage` matchers take client frames from. */
  get [MESSAGE_STREAM](): MessageStream {
    return this.#messageStream
  }

  /** Resolves with the next connection not yet taken by an earlier call. */
  nextConnection(opts: NextOptions = {}): Promise<SocketIoConnection> {
    return this.#connectionQueue.take(opts.timeout ?? DEFAULT_NEXT_TIMEOUT_MS, `a Socket.IO connection to ${this.url}${this.namespace === '/' ? '' : this.namespace}`)
  }

  /** Resolves with the next event a client emitted (any connection) not yet taken by an earlier call. */
  nextEvent(opts: NextOptions = {}): Promise<SocketIoEvent> {
    return this.#eventQueue.take(opts.timeout ?? DEFAULT_NEXT_TIMEOUT_MS, `a Socket.IO event on ${this.url}`)
  }

  /** Emits to every connected socket of the namespace (outside the script). */
  emit(event: string, ...args: unknown[]): void {
    if (this.#live.length === 0) throw new MockWsError('WSM_CLOSED', `Failed to emit "${event}": no Socket.IO client is connected to ${this.url}. Await io.connected first.`)
    for (const conn of this.#live) conn.emit(event, ...args)
  }

  /**
   * The recorded traffic of one connection (default: the first) as replay entries of the Socket.IO
   * dialect; `{{` in strings is escaped so the recording replays literally.
   */
  toReplay(opts: ToReplayOptions = {}): ReplayEntry[] {
    const id = opts.connection ?? this.#transcript[0]?.connection
    const entries: ReplayEntry[] = []
    let last = 0
    for (const frame of this.#transcript) {
      if (frame.connection !== id) continue
      const ts = Math.max(last, Math.round(frame.ts))
      last = ts
      if (frame.close) {
        if (frame.dir === 'out' && !isShutdownClose(frame)) entries.push({ ts, dir: 'out', close: { ...frame.close } })
        continue
      }
      const text = frame.text ?? ''
      if (frame.dir === 'in') {
        entries.push({ ts, dir: 'in', text })
        continue
      }
      const parsed = parseFrame(text)
      // Bytes stay {"$binary"} objects here: base64 holds no braces.
      const args = literalStrings(parsed.args) as unknown[]
      entries.push({ ts, dir: 'out', text: frameText(parsed.kind === 'ack' ? { kind: 'ack', to: parsed.to, args } : { ...parsed, args }) })
    }
    return entries
  }

  /** The recorded traffic of one connection as JSON Lines. */
  toJSONL(opts: ToReplayOptions = {}): string {
    return toJSONL(this.toReplay(opts))
  }

  /** Disconnects every client and stops the server; resolves when no socket, server or timer is left. In strict mode rejects with a report. */
  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    this.#shuttingDown = true
    try {
      this.#connectionQueue.close(new MockWsError('WSM_CLOSED', `The Socket.IO mock at ${this.url} was closed.`))
      this.#eventQueue.close(new MockWsError('WSM_CLOSED', `The Socket.IO mock at ${this.url} was closed.`))
      this.#messageStream.close(new MockWsError('WSM_CLOSED', `The Socket.IO mock at ${this.url} was closed.`))
      await new Promise<void>((resolve) => {
        // Closes every engine.io client (polling requests answered, websockets closed) and the http server.
        void this.server.close(() => resolve())
        this.#http.closeAllConnections()
      })
      // Node releases the listening handle a loop turn after the close callback.
      await new Promise<void>((resolve) => setImmediate(resolve))
      await new Promise<void>((resolve) => setImmediate(resolve))
    } finally {
      this.#untrack()
    }
    if (this.#strict && this.#failures.length > 0) throw new ScenarioFailureError(this.#failures, this.#transcript)
  }
}
