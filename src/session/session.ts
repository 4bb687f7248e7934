// The transport-agnostic heart of every mock: connections, transcript, failures, counters and the queues
// that `nextConnection()` / `nextMessage()` take from. Owners (`MockWs`, `router()`, `toMswHandler`) add a
// way in (an HTTP listener, an upgrade listener, `ws.link`) and hand each client's transport to `accept()`.
// Node-free: the MSW path bundles for the browser.
import { transcriptToReplay } from '../replay/record-transform.js'
import { CLOSE_GOING_AWAY, CLOSE_INTERNAL_ERROR, DEFAULT_MAX_BUFFERED_BYTES, DEFAULT_MAX_TRANSCRIPT, MAX_FAILURES, MAX_RETAINED_CONNECTIONS } from '../constants.js'
import { MockWsError, ScenarioFailureError } from '../errors.js'
import { toJSONL } from '../replay/serialize.js'
import { trimOldest } from './bounded.js'
import type { ReplayEntry } from '../replay/types.js'
import type { EngineObserver, ObservedConnection } from '../server/observer.js'
import type { ScenarioFailure, TranscriptFrame } from '../server/types.js'
import type { RecordTransformOptions } from '../replay/record-transform.js'
import { realClock, type Clock } from '../template/clock.js'
import { ReceivedText } from './bytes.js'
import { Connection, type ConnectionInit, type ConnectionSink, type FrameData, type FrameScheduler, type InboundMessage, type WsData } from './connection.js'
import { MessageQueue } from './message-queue.js'
import { MessageStream } from './message-stream.js'
import { toError } from './to-error.js'
import type { Transport } from './transport.js'

/** What a connection handler may use of its session: the clock, the shutdown state, failures and errors. */
export interface SessionView {
  /** The clock of every delay and wait of the session's connections. */
  readonly clock: Clock
  /** True once the session started closing (a close then is not the client's doing). */
  readonly shuttingDown: boolean
  /** Records a scenario failure (bounded). */
  addFailure(failure: ScenarioFailure): void
  /** Counts an error of a connection and tells the observers. */
  error(conn: Connection, error: Error): void
}

/** Decides what happens on a new connection (echo, replay, proxy, AI, …). */
export type ConnectionHandler<T extends Transport = Transport> = (conn: Connection<T>, session: SessionView) => void

/** Something that can delay frames of a connection, in order (the latency injector). */
export interface FrameDelayer {
  appliesTo(dir: 'in' | 'out'): boolean
  createScheduler(options?: { clock?: Clock }): FrameScheduler
}

/** Decides, per connection, which server→client messages are lost (fault injection): the filter returns true to drop. */
export interface FrameDropper {
  createFilter(): () => boolean
}

/**
 * Live counters of a mock.
 * @example
 * expect(ws.metrics.messagesIn).toBe(3)
 */
export interface MockWsMetrics {
  connectionsActive: number
  connectionsTotal: number
  messagesIn: number
  messagesOut: number
  bytesIn: number
  bytesOut: number
  errors: number
  /** Transcript frames dropped because `maxTranscript` was exceeded. */
  transcriptDropped: number
  /** Scenario failures not kept because `failures` already held `MAX_FAILURES` (the first ones are kept). */
  failuresDropped: number
}

/** Options of a session: what every owner shares (the `ws` server, routers, MSW). */
export interface SessionOptions<T extends Transport = Transport> {
  handler: ConnectionHandler<T>
  observers?: readonly EngineObserver[]
  maxTranscript?: number
  latency?: FrameDelayer
  /** Server→client messages to lose on purpose (`dropMessages`). */
  dropper?: FrameDropper
  /** Bytes a connection may have waiting to be sent before a send closes it with 1008 (default `DEFAULT_MAX_BUFFERED_BYTES`). */
  maxBufferedBytes?: number
  /** Times script delays, waits, latency and `elapsed()` (default: the real clock; see the `clock` option). */
  clock?: Clock
  /** The class of the session's connections: a kit's subclass adds its protocol's verbs (default `Connection`). */
  connection?: new (init: ConnectionInit<T>) => Connection<T>
}

/** Options of `toReplay()` / `toJSONL()`: which connection, and how client messages are matched on replay (see docs/proxy-and-record.md). */
export interface ToReplayOptions extends RecordTransformOptions {
  /** Connection id whose traffic to export (default: the first connection). */
  connection?: number
}

/** One mock's connections and everything recorded about them, whatever the transport (`session.accept(transport)`). */
export class Session<T extends Transport = Transport> implements ConnectionSink, SessionView {
  readonly connections: Connection<T>[] = []
  readonly failures: ScenarioFailure[] = []
  /** The clock of every delay and wait of this session's connections. */
  readonly clock: Clock
  /** Client messages for `nextMessage()` and the `toReceiveMessage` matchers, oldest first, with their claims. */
  readonly messageStream: MessageStream
  readonly connectionQueue: MessageQueue<Connection<T>>
  readonly counters: MockWsMetrics = {
    connectionsActive: 0,
    connectionsTotal: 0,
    messagesIn: 0,
    messagesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    errors: 0,
    transcriptDropped: 0,
    failuresDropped: 0,
  }

  #options: SessionOptions<T>
  #observers: readonly EngineObserver[]
  // The transcript in columns, one slot each per frame: connection * 2 + (1 when out), time, and the text or
  // bytes (a text still as its received bytes: `ReceivedText`; a close frame: its object). Frame objects are
  // built when `transcript` is read, so traffic that nobody reads keeps no object per frame.
  #frameInfo: number[] = []
  #frameTs: number[] = []
  #frameData: (FrameData | TranscriptFrame)[] = []
  #frames: TranscriptFrame[] = []
  #framesObserved: boolean
  #maxTranscript: number
  #nextId = 1
  #shuttingDown = false
  #closing: Promise<void> | undefined
  // Resolves `close()` once the last connection closed (set while connections are still closing).
  #allClosed: (() => void) | undefined
  #firstConnection: Promise<Connection<T>>
  #resolveFirst!: (conn: Connection<T>) => void

  constructor(options: SessionOptions<T>) {
    this.#options = options
    this.clock = options.clock ?? realClock
    this.connectionQueue = new MessageQueue<Connection<T>>(this.clock)
    this.#observers = options.observers ?? []
    this.#framesObserved = this.#observers.some((o) => o.transcriptFrame)
    this.#maxTranscript = options.maxTranscript ?? DEFAULT_MAX_TRANSCRIPT
    this.messageStream = new MessageStream({ limit: this.#maxTranscript, clock: this.clock })
    this.#firstConnection = new Promise((resolve) => (this.#resolveFirst = resolve))
  }

  /** Every frame both ways, all connections, oldest first (the newest `maxTranscript`); one array, brought up to date when read. */
  get transcript(): TranscriptFrame[] {
    const frames = this.#frames
    for (let i = frames.length; i < this.#frameData.length; i++) {
      const data = this.#frameData[i] as FrameData | TranscriptFrame
      const info = this.#frameInfo[i] as number
      const connection = info >> 1
      const ts = this.#frameTs[i] as number
      const dir = info & 1 ? 'out' : 'in'
      if (typeof data === 'string') frames.push({ connection, ts, dir, text: data })
      else if (data instanceof ReceivedText) frames.push({ connection, ts, dir, text: data.text })
      else frames.push(data instanceof Uint8Array ? { connection, ts, dir, binary: data } : data)
    }
    return frames
  }

  /** True once `close()` started. */
  get shuttingDown(): boolean {
    return this.#shuttingDown
  }

  /** Resolves with the first connection. */
  get firstConnection(): Promise<Connection<T>> {
    return this.#firstConnection
  }

  /** The observers every connection and frame is reported to. */
  get observers(): readonly EngineObserver[] {
    return this.#observers
  }

  /**
   * Takes a new client's transport: builds its connection (with the session's latency, drops and limits)
   * and runs the handler. After `close()` started, the client is closed with 1001 and nothing is kept.
   */
  accept(transport: T): Connection<T> | undefined {
    if (this.#shuttingDown) {
      transport.close(CLOSE_GOING_AWAY, 'mock server is closing')
      return undefined
    }
    const { latency, dropper } = this.#options
    const Make = this.#options.connection ?? Connection<T>
    const conn = new Make({
      id: this.#nextId++,
      transport,
      sink: this,
      ...(latency?.appliesTo('out') ? { outbound: latency.createScheduler({ clock: this.clock }) } : {}),
      ...(latency?.appliesTo('in') ? { inbound: latency.createScheduler({ clock: this.clock }) } : {}),
      ...(dropper ? { dropOutbound: dropper.createFilter() } : {}),
      maxMessages: this.#maxTranscript,
      maxBufferedBytes: this.#options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
      clock: this.clock,
    })
    this.connections.push(conn)
    this.counters.connectionsActive++
    this.counters.connectionsTotal++
    for (const o of this.#observers) o.connectionOpened?.(observed(conn))
    try {
      this.#options.handler(conn, this)
    } catch (error) {
      this.error(conn, toError(error, 'WSM_CONFIG'))
      conn.close(CLOSE_INTERNAL_ERROR, 'mock handler failed')
    }
    if (conn.id === 1) this.#resolveFirst(conn)
    this.connectionQueue.push(conn)
    if (this.connectionQueue.size > MAX_RETAINED_CONNECTIONS) this.connectionQueue.poll()
    return conn
  }

  /** Records a scenario failure: the first `MAX_FAILURES` are kept, later ones only counted. */
  addFailure(failure: ScenarioFailure): void {
    if (this.failures.length < MAX_FAILURES) this.failures.push(failure)
    else this.counters.failuresDropped++
  }

  /** The strict-mode error for the failures so far (undefined when there are none). */
  failureError(): ScenarioFailureError | undefined {
    return this.failures.length > 0 ? new ScenarioFailureError(this.failures, this.transcript, this.counters.failuresDropped) : undefined
  }

  /** Sends to the newest connection; `hint` says how to wait for one in the error when there is none. */
  send(data: WsData, where: string, hint = 'Await ws.connected first.'): void {
    const newest = this.connections.at(-1)
    if (!newest) throw new MockWsError('WSM_CLOSED', `Failed to send: no client is connected to ${where}. ${hint}`)
    newest.send(data)
  }

  /** Sends to every live connection. */
  broadcast(data: WsData): void {
    for (const conn of this.connections) conn.send(data)
  }

  /** The recorded traffic of one connection (default: the first) as replay entries, ready to save as a fixture. */
  toReplay(opts: ToReplayOptions = {}): ReplayEntry[] {
    return transcriptToReplay(this.transcript, opts)
  }

  /** The recorded traffic of one connection as JSON Lines. */
  toJSONL(opts: ToReplayOptions = {}): string {
    return toJSONL(this.toReplay(opts))
  }

  record(frame: TranscriptFrame): void {
    this.#push(frame.connection * 2, frame.ts, frame)
  }

  #push(info: number, ts: number, data: FrameData | TranscriptFrame): void {
    this.#frameInfo.push(info)
    this.#frameTs.push(ts)
    this.#frameData.push(data)
    if (this.#framesObserved) {
      const frame = this.transcript.at(-1) as TranscriptFrame
      for (const o of this.#observers) o.transcriptFrame?.(frame)
    }
    const dropped = trimOldest(this.#frameData, this.#maxTranscript)
    if (dropped === 0) return
    this.#frameInfo.splice(0, dropped)
    this.#frameTs.splice(0, dropped)
    this.#frames.splice(0, dropped)
    this.counters.transcriptDropped += dropped
  }

  overBuffered(conn: Connection, buffered: number, limit: number): void {
    this.addFailure({
      kind: 'send-failed',
      connection: conn.id,
      step: 0,
      expected: `at most ${limit} bytes waiting to be sent (maxBufferedBytes)`,
      actual: `${buffered} bytes waiting: the client does not read`,
      ts: conn.elapsed(),
      message: `connection #${conn.id}: ${buffered} bytes waiting to be sent, over maxBufferedBytes (${limit}); closed with 1008`,
    })
  }

  frame(conn: Connection, ts: number, data: FrameData, size: number, inbound = false, message?: InboundMessage): void {
    this.#push(conn.id * 2 + (inbound ? 0 : 1), ts, data)
    const counters = this.counters
    if (inbound) {
      counters.messagesIn++
      counters.bytesIn += size
      this.messageStream.pushFrame(conn.id, ts, data, message)
    } else {
      counters.messagesOut++
      counters.bytesOut += size
    }
    for (const o of this.#observers) o.message?.(observed(conn), inbound ? 'in' : 'out', size, data instanceof Uint8Array)
  }

  error(conn: Connection, error: Error): void {
    this.countError()
    for (const o of this.#observers) o.connectionError?.(observed(conn), error)
  }

  /** Counts an error that belongs to no connection (a failed upgrade gate). */
  countError(): void {
    this.counters.errors++
  }

  closed(conn: Connection, code: number, reason: string): void {
    const at = this.connections.indexOf(conn as Connection<T>)
    if (at >= 0) this.connections.splice(at, 1)
    this.counters.connectionsActive--
    for (const o of this.#observers) o.connectionClosed?.(observed(conn), code, reason)
    if (this.#allClosed && this.connections.length === 0) this.#ended()
  }

  /** Closes every connection with 1001 (left out of recordings) and ends the queues; resolves when every connection is closed. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing
    this.#shuttingDown = true
    // One promise for the whole close, settled by `closed()` of the last connection: none per connection.
    this.#closing = new Promise((resolve) => (this.#allClosed = resolve))
    for (const conn of [...this.connections]) conn.closeForShutdown(CLOSE_GOING_AWAY, 'mock server closed')
    if (this.#allClosed && this.connections.length === 0) this.#ended()
    return this.#closing
  }

  #ended(): void {
    const resolve = this.#allClosed as () => void
    this.#allClosed = undefined
    // No stack: it would show this close path, never the wait it ends, and capturing one costs a close ~10 µs.
    const stackTraceLimit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    const closedError = new MockWsError('WSM_CLOSED', 'Failed to wait: the mock server was closed. Await messages before closing it.')
    Error.stackTraceLimit = stackTraceLimit
    this.messageStream.close(closedError)
    this.connectionQueue.close(closedError)
    resolve()
  }
}

// Observers read id, url, headers, protocol and (for the `ws` transport) the upgrade request: a connection has them all.
function observed(conn: Connection): ObservedConnection {
  return conn as unknown as ObservedConnection
}
