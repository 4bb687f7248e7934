import { STATUS_CODES, type IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { CLOSE_GOING_AWAY, DEFAULT_MAX_BUFFERED_BYTES, DEFAULT_MAX_PAYLOAD, DEFAULT_MAX_TRANSCRIPT, MAX_FAILURES, MAX_RETAINED_CONNECTIONS } from '../constants.js'
import { MockWsError } from '../errors.js'
import { realClock, type Clock } from '../template/clock.js'
import { MockConnection, type ConnectionSink, type FrameScheduler, type InboundMessage } from './connection.js'
import { MessageQueue } from './message-queue.js'
import { MessageStream } from '../session/message-stream.js'
import { pathMatcher } from './path-pattern.js'
import type { EngineObserver } from './observer.js'
import type { ScenarioFailure, TranscriptFrame } from './types.js'

/** Decides what happens on a new connection (echo, replay, proxy, AI, …). */
export type ConnectionHandler = (conn: MockConnection, engine: WsEngine) => void

/** Something that can delay frames of a connection, in order (the latency injector). */
export interface FrameDelayer {
  appliesTo(dir: 'in' | 'out'): boolean
  createScheduler(options?: { clock?: Clock }): FrameScheduler
}

/** Decides, per connection, which server→client messages are lost (fault injection): the filter returns true to drop. */
export interface FrameDropper {
  createFilter(): () => boolean
}

/** Per-upgrade hook that may refuse or delay a handshake (fault injection, limits). */
export type UpgradeGate = (request: IncomingMessage, engine: WsEngine) => UpgradeDecision | Promise<UpgradeDecision>
/** What an upgrade gate decided. */
export type UpgradeDecision = { accept: true } | { accept: false; status: number; message?: string }

/** Options of the engine shared by `mockWs()` and the routers. */
export interface EngineOptions {
  /** Path to accept (`'*'`: any; `{name}` segments match any one segment, e.g. `/rooms/{room}`). */
  path: string
  handler: ConnectionHandler
  maxPayload?: number
  /** Subprotocols accepted; the first one the client offers that is listed wins. Unset: accept the client's first. */
  protocols?: readonly string[]
  observers?: readonly EngineObserver[]
  maxTranscript?: number
  latency?: FrameDelayer
  gates?: readonly UpgradeGate[]
  /** Server→client messages to lose on purpose (`dropMessages`). */
  dropper?: FrameDropper
  /** Live connections beyond which upgrades are refused with HTTP 503, checked after the gates. */
  maxConnections?: number
  /** Bytes a connection may have waiting to be sent before a send closes it with 1008 (default `DEFAULT_MAX_BUFFERED_BYTES`). */
  maxBufferedBytes?: number
  /** Times script delays, waits, latency and `elapsed()` (default: the real clock; see the `clock` option). */
  clock?: Clock
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

/** The WebSocket engine behind `mockWs()` and the routers: connections, transcript, failures, metrics. */
export class WsEngine implements ConnectionSink {
  readonly path: string
  readonly connections: MockConnection[] = []
  readonly transcript: TranscriptFrame[] = []
  readonly failures: ScenarioFailure[] = []
  /** The clock of every delay and wait of this engine's connections. */
  readonly clock: Clock
  /** Client messages for `nextMessage()` and the `toReceiveMessage` matchers, oldest first, with their claims. */
  readonly messageStream: MessageStream
  readonly connectionQueue: MessageQueue<MockConnection>
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
  /** Every connection ever accepted, by id (for transcripts after close). */
  readonly allConnections: MockConnection[] = []

  #wss: WebSocketServer
  #options: EngineOptions
  #matchesPath: (pathname: string) => boolean
  #observers: readonly EngineObserver[]
  #maxTranscript: number
  #nextId = 1
  #shuttingDown = false
  #closing: Promise<void> | undefined
  #pendingUpgrades = new Set<Duplex>()
  #firstConnection: Promise<MockConnection>
  #resolveFirst!: (conn: MockConnection) => void

  constructor(options: EngineOptions) {
    this.#options = options
    this.path = options.path
    this.clock = options.clock ?? realClock
    this.connectionQueue = new MessageQueue<MockConnection>(this.clock)
    this.#matchesPath = pathMatcher(options.path)
    this.#observers = options.observers ?? []
    this.#maxTranscript = options.maxTranscript ?? DEFAULT_MAX_TRANSCRIPT
    this.messageStream = new MessageStream({ limit: this.#maxTranscript, clock: this.clock })
    const accepted = options.protocols
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
      perMessageDeflate: false,
      ...(accepted
        ? {
            handleProtocols: (offered: Set<string>) => {
              for (const p of offered) if (accepted.includes(p)) return p
              return false
            },
          }
        : {}),
    })
    this.#firstConnection = new Promise((resolve) => (this.#resolveFirst = resolve))
    // The promise may never be awaited; keep an unobserved rejection impossible (it never rejects).
  }

  /** True once `close()` started. */
  get shuttingDown(): boolean {
    return this.#shuttingDown
  }

  /** Resolves with the first connection. */
  get firstConnection(): Promise<MockConnection> {
    return this.#firstConnection
  }

  /** True when `pathname` is served by this engine. */
  accepts(pathname: string): boolean {
    return this.#matchesPath(pathname)
  }

  /**
   * Handles an HTTP upgrade for this engine's path; returns false (and touches nothing) for other paths
   * so other `upgrade` listeners can take them.
   */
  handleUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const url = request.url ?? '/'
    const q = url.indexOf('?')
    const pathname = q === -1 ? url : url.slice(0, q)
    if (!this.accepts(pathname)) return false
    socket.on('error', () => socket.destroy())
    if (this.#shuttingDown) {
      this.refuse(request, socket, 503, 'mock server is closing')
      return true
    }
    const gates = this.#options.gates
    if (!gates || gates.length === 0) {
      this.#admit(request, socket, head)
      return true
    }
    this.#pendingUpgrades.add(socket)
    void this.#runGates(gates, request).then(
      (decision) => {
        this.#pendingUpgrades.delete(socket)
        if (socket.destroyed) return
        if (this.#shuttingDown) this.refuse(request, socket, 503, 'mock server is closing')
        else if (decision.accept) this.#admit(request, socket, head)
        else this.refuse(request, socket, decision.status, decision.message)
      },
      (error: unknown) => {
        this.#pendingUpgrades.delete(socket)
        this.#countError()
        rejectUpgrade(socket, 500, error instanceof Error ? error.message : String(error))
      },
    )
    return true
  }

  /** Refuses an upgrade with an HTTP status, telling the observers. */
  refuse(request: IncomingMessage, socket: Duplex, status: number, message?: string): void {
    for (const o of this.#observers) o.handshakeRejected?.(request, status)
    rejectUpgrade(socket, status, message)
  }

  async #runGates(gates: readonly UpgradeGate[], request: IncomingMessage): Promise<UpgradeDecision> {
    for (const gate of gates) {
      const decision = await gate(request, this)
      if (!decision.accept) return decision
    }
    return { accept: true }
  }

  // The limit is checked right before the upgrade, which ws completes synchronously, so upgrades that
  // leave their gates at the same moment cannot both take the last slot.
  #admit(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const limit = this.#options.maxConnections
    if (limit !== undefined && this.connections.length >= limit) {
      this.refuse(request, socket, 503, `mock server is at its limit of ${limit} connection${limit === 1 ? '' : 's'}`)
      return
    }
    this.#upgrade(request, socket, head)
  }

  #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#accept(ws, request))
  }

  #accept(socket: WebSocket, request: IncomingMessage): void {
    if (this.#shuttingDown) {
      socket.close(CLOSE_GOING_AWAY, 'mock server is closing')
      return
    }
    const latency = this.#options.latency
    const conn = new MockConnection({
      id: this.#nextId++,
      socket,
      request,
      sink: this,
      ...(latency?.appliesTo('out') ? { outbound: latency.createScheduler({ clock: this.clock }) } : {}),
      ...(latency?.appliesTo('in') ? { inbound: latency.createScheduler({ clock: this.clock }) } : {}),
      ...(this.#options.dropper ? { dropOutbound: this.#options.dropper.createFilter() } : {}),
      maxMessages: this.#maxTranscript,
      maxBufferedBytes: this.#options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
      clock: this.clock,
    })
    this.connections.push(conn)
    this.allConnections.push(conn)
    // Batched like the transcript: under churn every closed connection (socket, request) would stay reachable.
    if (this.allConnections.length > MAX_RETAINED_CONNECTIONS + Math.ceil(MAX_RETAINED_CONNECTIONS / 10)) {
      this.allConnections.splice(0, this.allConnections.length - MAX_RETAINED_CONNECTIONS)
    }
    this.counters.connectionsActive++
    this.counters.connectionsTotal++
    for (const o of this.#observers) o.connectionOpened?.(conn)
    try {
      this.#options.handler(conn, this)
    } catch (error) {
      this.error(conn, error instanceof Error ? error : new MockWsError('WSM_CONFIG', String(error)))
      conn.close(1011, 'mock handler failed')
    }
    if (conn.id === 1) this.#resolveFirst(conn)
    this.connectionQueue.push(conn)
    if (this.connectionQueue.size > MAX_RETAINED_CONNECTIONS) this.connectionQueue.poll()
  }

  /** Records a scenario failure: the first `MAX_FAILURES` are kept, later ones only counted. */
  addFailure(failure: ScenarioFailure): void {
    if (this.failures.length < MAX_FAILURES) this.failures.push(failure)
    else this.counters.failuresDropped++
  }

  record(frame: TranscriptFrame): void {
    this.transcript.push(frame)
    for (const o of this.#observers) o.transcriptFrame?.(frame)
    // Drop the oldest frames in batches so a long soak stays bounded without an O(n) shift per frame.
    if (this.transcript.length > this.#maxTranscript + Math.ceil(this.#maxTranscript / 10)) {
      const excess = this.transcript.length - this.#maxTranscript
      this.transcript.splice(0, excess)
      this.counters.transcriptDropped += excess
    }
  }

  overBuffered(conn: MockConnection, buffered: number, limit: number): void {
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

  inbound(conn: MockConnection, message: InboundMessage, size: number): void {
    this.counters.messagesIn++
    this.counters.bytesIn += size
    this.messageStream.push(message)
    for (const o of this.#observers) o.message?.(conn, 'in', size, message.isBinary)
  }

  outbound(conn: MockConnection, size: number, binary: boolean): void {
    this.counters.messagesOut++
    this.counters.bytesOut += size
    for (const o of this.#observers) o.message?.(conn, 'out', size, binary)
  }

  error(conn: MockConnection, error: Error): void {
    this.#countError()
    for (const o of this.#observers) o.connectionError?.(conn, error)
  }

  #countError(): void {
    this.counters.errors++
  }

  closed(conn: MockConnection, code: number, reason: string): void {
    const at = this.connections.indexOf(conn)
    if (at >= 0) this.connections.splice(at, 1)
    this.counters.connectionsActive--
    for (const o of this.#observers) o.connectionClosed?.(conn, code, reason)
  }

  /** Closes every connection with 1001 and stops accepting; resolves when every socket is gone. */
  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    this.#shuttingDown = true
    for (const socket of this.#pendingUpgrades) socket.destroy()
    this.#pendingUpgrades.clear()
    const open = [...this.connections]
    for (const conn of open) conn.closeForShutdown(CLOSE_GOING_AWAY, 'mock server closed')
    await Promise.all(open.map((conn) => conn.closed))
    const closedError = new MockWsError('WSM_CLOSED', 'Failed to wait: the mock server was closed. Await messages before closing it.')
    this.messageStream.close(closedError)
    this.connectionQueue.close(closedError)
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()))
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  426: 'Upgrade Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

/** Answers an upgrade request with a plain HTTP error and closes the socket. */
export function rejectUpgrade(socket: Duplex, status: number, message = STATUS_TEXT[status] ?? STATUS_CODES[status] ?? 'Error'): void {
  if (socket.destroyed) return
  const body = `${message}\n`
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}
