import http from 'node:http'
import { transcriptToReplay, type RecordTransformOptions } from '../replay/record-transform.js'
import { DEFAULT_NEXT_TIMEOUT_MS } from '../constants.js'
import { MockWsError } from '../errors.js'
import { loadReplay } from '../replay/load.js'
import { playReplay } from '../replay/player.js'
import { toJSONL } from '../replay/serialize.js'
import type { CompiledReplay, PlayStep, ReplayEntry } from '../replay/types.js'
import { clockFor, realClock, type Clock, type ClockKind } from '../template/clock.js'
import { createTemplateContext, type FakerLike } from '../template/context.js'
import { loadFaker } from '../template/faker.js'
import type { InboundMessage, MockConnection, WsData } from './connection.js'
import { WsEngine, type ConnectionHandler, type EngineOptions, type MockWsMetrics } from './engine.js'
import { createTelemetryObserver } from '../telemetry/observer.js'
import { formatFailureReport } from './failure-report.js'
import type { EngineObserver } from './observer.js'
import type { ScenarioFailure, TranscriptFrame } from './types.js'
import { assertMockCanStart, trackMock } from './registry.js'
import { examplePath } from './path-pattern.js'
import { addInterceptRoute, type InterceptPattern } from './intercept.js'
import { MESSAGE_STREAM, type MessageStream } from '../session/message-stream.js'
import type { ResolvedMockWsOptions } from './options.js'

export { closeAllMocks, liveMockCount } from './registry.js'

/**
 * Options of `mockWs()`.
 * @example
 * await mockWs({ path: '/socket', seed: 42, strict: true })
 */
export interface MockWsOptions {
  /** 0 (default) = OS-assigned; a number is a preferred port, falling back to a free one unless `strictPort`. */
  port?: number
  /** Fail instead of falling back when the preferred `port` is taken. */
  strictPort?: boolean
  /** Bind address (default `127.0.0.1`). */
  host?: string
  /** WebSocket path (default `/ws`; `'*'` accepts any path; `{name}` matches any one segment, e.g. `/rooms/{room}`). */
  path?: string
  /** Expand template tokens in `out` entries (default true). */
  expandTemplates?: boolean
  /** Makes `{{uuid}}`, `{{randInt}}`, … and latency sampling reproducible. */
  seed?: number
  /** Clock for `{{now}}` tokens (default `Date.now` of the mock's `clock`). */
  now?: () => number
  /** Make `close()` reject when there were scenario failures (default false). */
  strict?: boolean
  /** Whether client messages nothing waits for are failures (default: `fail` when strict, else `ignore`). */
  unexpected?: 'fail' | 'ignore'
  /** Default wait for `expect`/`waitFor`/`in` entries, ms (default 5000). */
  timeoutMs?: number
  /** Largest frame accepted from a client, bytes; larger frames close the connection with 1009. */
  maxPayload?: number
  /** Subprotocols accepted (the first the client offers that is listed). */
  protocols?: string[]
  /** Divides every gap of replay files (default 1). */
  speed?: number
  /** Frames kept in the transcript before the oldest are dropped. */
  maxTranscript?: number
  /**
   * Longest client message (UTF-16 code units) a quadratic `waitFor`/`match` regex is run against (default 2000);
   * longer messages are not matched by it and give a failure saying why. Linear patterns run on any message.
   */
  maxRegexInput?: number
  /**
   * Bytes a connection may have waiting to be sent (the client does not read) before the next send closes it
   * with 1008 and a `send-failed` failure (default 8 MiB). Replays pause above 1 MiB until the client reads.
   */
  maxBufferedBytes?: number
  /** Engine observers of your own (spans, metrics, logging), in addition to the built-in telemetry. */
  observers?: EngineObserver[]
  /** Built-in OpenTelemetry spans and Prometheus metrics (default true; spans are no-ops without a tracer provider). */
  telemetry?: boolean
  /** Serves plain HTTP requests on the same port; return true when handled (the CLI's `/metrics`). */
  httpHandler?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean | Promise<boolean>
  /**
   * Timers and clock of script delays, waits, latency and `{{now}}`: `'real'` (default) ignores the test's fake
   * timers; `'fake'` follows them (see docs/fake-timers.md).
   */
  clock?: ClockKind
}

/** Options of `nextMessage()` / `nextConnection()`. */
export interface NextOptions {
  /** ms to wait before rejecting (default 5000). */
  timeout?: number
}

/** Options of `toReplay()` / `toJSONL()`: which connection, and how client messages are matched on replay (see docs/proxy-and-record.md). */
export interface ToReplayOptions extends RecordTransformOptions {
  /** Connection id whose traffic to export (default: the first connection). */
  connection?: number
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1'
  if (host === '::') return '[::1]'
  return host.includes(':') ? `[${host}]` : host
}

/** Derives a distinct, reproducible seed per connection. */
export function connectionSeed(seed: number | undefined, id: number): number | undefined {
  if (seed === undefined) return undefined
  return (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(id, 0x85ebca6b)) >>> 0
}

/**
 * A running WebSocket mock: a real server on a loopback port with its transcript and failures.
 * @example
 * const ws = await mockWs(); const client = new WebSocket(ws.url); await ws.connected
 */
export class MockWs {
  /** `ws://127.0.0.1:PORT/ws` */
  readonly url: string
  readonly port: number
  readonly host: string
  /** The path served (`'*'`: any). */
  readonly path: string
  /** Resolves with the first connection. */
  readonly connected: Promise<MockConnection>
  /** @internal */ readonly engine: WsEngine
  #server: http.Server
  #strict: boolean
  #closing: Promise<void> | undefined
  #closeHooks: (() => void | Promise<void>)[] = []
  #untrack: () => void

  /** @internal use `mockWs()` */
  constructor(init: { server: http.Server; engine: WsEngine; host: string; port: number; path: string; strict: boolean }) {
    this.#server = init.server
    this.engine = init.engine
    this.host = init.host
    this.port = init.port
    this.path = init.path
    this.#strict = init.strict
    this.url = `ws://${urlHost(init.host)}:${init.port}${init.path === '*' ? '/' : examplePath(init.path)}`
    this.connected = init.engine.firstConnection
    this.#untrack = trackMock(this)
  }

  /** Live connections, in order of arrival. */
  get connections(): readonly MockConnection[] {
    return this.engine.connections
  }

  /** Every frame both ways, all connections. */
  get transcript(): readonly TranscriptFrame[] {
    return this.engine.transcript
  }

  /** Client → server frames. */
  get received(): TranscriptFrame[] {
    return this.engine.transcript.filter((f) => f.dir === 'in' && !f.close)
  }

  /** Server → client frames. */
  get sent(): TranscriptFrame[] {
    return this.engine.transcript.filter((f) => f.dir === 'out' && !f.close)
  }

  /** Scenario failures so far. */
  get failures(): readonly ScenarioFailure[] {
    return this.engine.failures
  }

  /** Snapshot of the counters. */
  get metrics(): MockWsMetrics {
    return { ...this.engine.counters }
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closing !== undefined
  }

  /** @internal the clock of the mock's delays and waits (the `clock` option); the matchers wait with it. */
  get clock(): Clock {
    return this.engine.clock
  }

  /** @internal the stream `nextMessage()` and the `toReceiveMessage` matchers take client messages from. */
  get [MESSAGE_STREAM](): MessageStream {
    return this.engine.messageStream
  }

  /** Resolves with the next connection not yet taken by an earlier call (works repeatedly). */
  nextConnection(opts: NextOptions = {}): Promise<MockConnection> {
    return this.engine.connectionQueue.take(opts.timeout ?? DEFAULT_NEXT_TIMEOUT_MS, `a connection to ${this.url}`)
  }

  /** Resolves with the next client message (any connection) not yet taken by an earlier call (`nextMessage` or `toReceiveMessage`). */
  async nextMessage(opts: NextOptions = {}): Promise<string | Uint8Array> {
    const message = await this.engine.messageStream.take({ timeoutMs: opts.timeout ?? DEFAULT_NEXT_TIMEOUT_MS, describe: `a client message on ${this.url}` })
    return message.data
  }

  /** Sends to the newest connection. */
  send(data: WsData): void {
    const newest = this.engine.connections.at(-1)
    if (!newest) throw new MockWsError('WSM_CLOSED', `Failed to send: no client is connected to ${this.url}. Await ws.connected first.`)
    newest.send(data)
  }

  /**
   * Drops every live connection abruptly (no close frame: clients see 1006) and keeps serving, so a
   * client's reconnect logic can be tested; `nextConnection()` then resolves with the reconnection.
   * @example
   * ws.dropAll(); const again = await ws.nextConnection()
   */
  dropAll(): void {
    for (const conn of [...this.engine.connections]) conn.terminate()
  }

  /**
   * Makes Node clients (the global `WebSocket`, undici's and the `ws` client) that open a URL matching
   * `urlPattern` connect to this mock instead, so the code under test keeps its production URL; undone at
   * `close()` (or by calling the returned function). The requested URL is on the connection as `originalUrl`.
   * A string pattern matches the whole URL (`*`: any run of characters; the query is ignored unless the
   * pattern has a `?`).
   * @example
   * const ws = await mockWs().send('{"type":"hello"}')
   * ws.intercept('wss://api.example.com/feed')
   * new WebSocket('wss://api.example.com/feed') // reaches ws
   */
  intercept(urlPattern: InterceptPattern): () => void {
    if (this.closed) throw new MockWsError('WSM_CLOSED', `Failed to intercept ${String(urlPattern)}: the mock at ${this.url} is closed.`)
    const undo = addInterceptRoute(urlPattern, { host: this.host === '0.0.0.0' || this.host === '::' ? '127.0.0.1' : this.host, port: this.port, path: this.path })
    this.onClose(undo)
    return undo
  }

  /** Sends to every live connection. */
  broadcast(data: WsData): void {
    for (const conn of this.engine.connections) conn.send(data)
  }

  /** The recorded traffic of one connection as replay entries, ready to save as a fixture. */
  toReplay(opts: ToReplayOptions = {}): ReplayEntry[] {
    return transcriptToReplay(this.engine.transcript, opts)
  }

  /** The recorded traffic of one connection as JSON Lines. */
  toJSONL(opts: ToReplayOptions = {}): string {
    return toJSONL(this.toReplay(opts))
  }

  /** @internal runs `hook` during close, before the server stops (proxy upstreams, AI streams). */
  onClose(hook: () => void | Promise<void>): void {
    this.#closeHooks.push(hook)
  }

  /**
   * Closes every connection (1001) and the server; resolves when no socket, server or timer is left.
   * In strict mode rejects with a report of the scenario failures.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    try {
      for (const hook of this.#closeHooks) await hook()
      await this.engine.close()
      await new Promise<void>((resolve) => {
        this.#server.close(() => resolve())
        this.#server.closeAllConnections()
      })
      // Node releases the listening handle a loop turn after the close callback; wait so that callers
      // (and leak checks) see nothing left once close() resolves. Real turns whatever the clock: a test's
      // fake setImmediate would never run them, and close() would hang.
      await new Promise<void>((resolve) => realClock.setImmediate(resolve))
      await new Promise<void>((resolve) => realClock.setImmediate(resolve))
    } finally {
      this.#untrack()
    }
    if (this.#strict && this.engine.failures.length > 0) {
      throw new ScenarioFailureError(this.engine.failures, this.engine.transcript, this.engine.counters.failuresDropped)
    }
  }
}

/**
 * Thrown by `close()` of a strict mock that saw scenario failures; the message is a readable report.
 * @example
 * await ws.close().catch((e) => console.log(e.message))
 */
export class ScenarioFailureError extends MockWsError {
  readonly failures: readonly ScenarioFailure[]
  constructor(failures: readonly ScenarioFailure[], transcript: readonly TranscriptFrame[], dropped = 0) {
    super('WSM_STRICT_FAILURES', formatFailureReport(failures, transcript, { dropped }))
    this.name = 'ScenarioFailureError'
    this.failures = failures
  }
}

/** One piece of a mock's script: a replay source, steps from the builder, or entries that need loading first (AsyncAPI examples). */
export type ScriptPart =
  | { kind: 'replay'; source: string | readonly ReplayEntry[] | URL }
  | { kind: 'compiled'; compile: (opts: { expandTemplates: boolean; faker?: FakerLike }) => CompiledReplay }
  | { kind: 'load'; load: (opts: { expandTemplates: boolean; faker?: FakerLike }) => Promise<CompiledReplay> }

/** Concatenates compiled parts; each part's times continue after the previous part's last `ts`. */
export function concatReplays(parts: readonly CompiledReplay[]): CompiledReplay {
  if (parts.length === 1 && parts[0]) return parts[0]
  const steps: PlayStep[] = []
  let offset = 0
  for (const part of parts) {
    let last = 0
    for (const step of part.steps) {
      steps.push({ ...step, index: steps.length, ts: step.ts + offset, entry: { ...step.entry, ts: step.entry.ts + offset } })
      last = step.ts
    }
    offset += last
  }
  return { source: parts.map((p) => p.source).join(' + '), steps, usesFaker: parts.some((p) => p.usesFaker) }
}

/** What a mock does with each connection, decided when it starts. */
export interface StartContext {
  /** The mock's options, checked and with every default filled in (`resolveOptions`). */
  options: ResolvedMockWsOptions
  script: CompiledReplay | undefined
  faker: FakerLike | undefined
  /** `echo()` was called with steps: each connection plays the script, then echoes. */
  echoAfterScript?: boolean
}

/** Builds the per-connection handler that plays `script` (or echoes when there is none). */
export function scriptHandler(ctx: StartContext): ConnectionHandler {
  const { options, script, faker } = ctx
  if (!script) return echoHandler
  return (conn, engine) => {
    const context = createTemplateContext({
      ...(options.seed !== undefined ? { seed: connectionSeed(options.seed, conn.id) } : {}),
      now: options.now ?? engine.clock.dateNow,
      ...(faker ? { faker } : {}),
    })
    void playReplay(conn, script, {
      speed: options.speed,
      timeoutMs: options.timeoutMs,
      context,
      unexpected: options.unexpected,
      onFailure: (f) => engine.addFailure(f),
      isShuttingDown: () => engine.shuttingDown,
      maxRegexInput: options.maxRegexInput,
      ...(ctx.echoAfterScript ? { afterScript: (rest: InboundMessage[]) => echoAfterScript(conn, rest) } : {}),
    })
  }
}

/** Echoes what the script left unconsumed, in order, then every later message. */
function echoAfterScript(conn: MockConnection, unconsumed: readonly InboundMessage[]): void {
  for (const message of unconsumed) conn.send(message.data)
  conn.onMessage((message) => conn.send(message.data))
}

/** Echoes every message back unchanged (text as text, binary as binary). */
export const echoHandler: ConnectionHandler = (conn) => {
  conn.onMessage((message) => conn.send(message.data))
}

/** Loads and compiles every part of a script, collecting all problems before anything starts. */
export async function compileScript(parts: readonly ScriptPart[], options: ResolvedMockWsOptions): Promise<{ script: CompiledReplay | undefined; faker: FakerLike | undefined }> {
  if (parts.length === 0) return { script: undefined, faker: undefined }
  const expandTemplates = options.expandTemplates
  const compiled: CompiledReplay[] = []
  for (const part of parts) {
    if (part.kind === 'replay') {
      compiled.push(await loadReplay(part.source, { expandTemplates, ...(options.seed !== undefined ? { seed: options.seed } : {}) }))
    } else if (part.kind === 'load') {
      compiled.push(await part.load({ expandTemplates }))
    } else {
      compiled.push(part.compile({ expandTemplates }))
    }
  }
  if (!expandTemplates || !compiled.some((c) => c.usesFaker)) return { script: concatReplays(compiled), faker: undefined }
  // Faker paths can only be checked against a real faker: compile the builder's steps again with it,
  // so a bad {{faker.…}} fails here, before anything listens (replay files were checked by loadReplay).
  const faker = await loadFaker(options.seed)
  const checked: CompiledReplay[] = []
  for (const [i, part] of parts.entries()) {
    const first = compiled[i] as CompiledReplay
    if (!first.usesFaker) checked.push(first)
    else if (part.kind === 'compiled') checked.push(part.compile({ expandTemplates, faker }))
    else if (part.kind === 'load') checked.push(await part.load({ expandTemplates, faker }))
    else checked.push(first)
  }
  return { script: concatReplays(checked), faker }
}

/** Starts an HTTP server with the engine on it; resolves once listening. */
export async function startMock(options: ResolvedMockWsOptions, engineOptions: Omit<EngineOptions, 'path'>): Promise<MockWs> {
  assertMockCanStart()
  const { host, path } = options
  const engine = new WsEngine({
    path,
    ...(options.maxPayload !== undefined ? { maxPayload: options.maxPayload } : {}),
    ...(options.protocols ? { protocols: options.protocols } : {}),
    ...(options.maxTranscript !== undefined ? { maxTranscript: options.maxTranscript } : {}),
    ...(options.maxBufferedBytes !== undefined ? { maxBufferedBytes: options.maxBufferedBytes } : {}),
    clock: clockFor(options.clock),
    ...engineOptions,
    observers: [
      ...(options.telemetry ? [createTelemetryObserver()] : []),
      ...(engineOptions.observers ?? []),
      ...(options.observers ?? []),
    ],
  })
  const server = http.createServer((req, res) => {
    void (async () => {
      if (options.httpHandler && (await options.httpHandler(req, res))) return
      res.writeHead(426, { 'content-type': 'text/plain; charset=utf-8', upgrade: 'websocket', connection: 'Upgrade' })
      res.end(`This is a mockforge-ws WebSocket endpoint: connect a WebSocket client to ${path === '*' ? 'any path' : path}.\n`)
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500)
      res.end()
    })
  })
  server.on('upgrade', (req, socket, head) => {
    if (!engine.handleUpgrade(req, socket, head)) {
      socket.on('error', () => socket.destroy())
      engine.refuse(req, socket, 404, `No WebSocket endpoint at ${req.url ?? '/'}: this mock serves ${path}`)
    }
  })
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
    else socket.destroy()
  })
  const port = await listen(server, host, options.port, options.strictPort)
  return new MockWs({ server, engine, host, port, path, strict: options.strict })
}

function listenOnce(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      server.off('listening', onListening)
      reject(error)
    }
    const onListening = (): void => {
      server.off('error', onError)
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : port)
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen({ port, host, exclusive: true })
  })
}

async function listen(server: http.Server, host: string, port: number, strictPort: boolean): Promise<number> {
  try {
    return await listenOnce(server, host, port)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (port === 0 || strictPort || code !== 'EADDRINUSE') {
      throw new MockWsError(
        'WSM_SERVER_START',
        `Failed to start mock on ${host}:${port}: ${(error as Error).message}.${code === 'EADDRINUSE' ? ' Use port 0 (or drop strictPort) to take a free port.' : ''}`,
        { cause: error },
      )
    }
    // The preferred port is taken: take a free one instead (get-port prefers the ports near it).
    const { default: getPort } = await import('get-port')
    const fallback = await getPort({ host })
    return listenOnce(server, host, fallback)
  }
}

