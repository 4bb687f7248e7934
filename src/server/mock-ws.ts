import http from 'node:http'
import { DEFAULT_NEXT_TIMEOUT_MS } from '../constants.js'
import { MockWsError } from '../errors.js'
import type { ReplayEntry } from '../replay/types.js'
import type { WsData } from '../session/connection.js'
import type { PluginHost } from '../session/plugin.js'
import { Session, type ConnectionHandler, type FrameDelayer, type FrameDropper, type MockWsMetrics, type ToReplayOptions } from '../session/session.js'
import { clockFor, realClock, type Clock, type ClockKind } from '../template/clock.js'
import { createTelemetryObserver } from '../telemetry/observer.js'
import type { EngineObserver } from './observer.js'
import type { ScenarioFailure, TranscriptFrame } from './types.js'
import { assertMockCanStart, trackMock } from './registry.js'
import { examplePath } from './path-pattern.js'
import { addInterceptRoute, type InterceptPattern } from './intercept.js'
import type { ResolvedMockWsOptions } from './options.js'
import { WsUpgrade, type UpgradeGate } from './upgrade.js'
import type { MockConnection, WsTransport } from './ws-transport.js'

export { ScenarioFailureError } from '../errors.js'
export type { ToReplayOptions } from '../session/session.js'

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


function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1'
  if (host === '::') return '[::1]'
  return host.includes(':') ? `[${host}]` : host
}


/**
 * What `startMock` adds to the resolved options: the per-connection handler and the features derived when
 * the mock starts (latency, drops, gates, limits, observers).
 * @example
 * await startMock(resolveOptions(), { handler: echoHandler, maxConnections: 2 })
 */
export interface StartFeatures {
  handler: ConnectionHandler<WsTransport>
  latency?: FrameDelayer
  dropper?: FrameDropper
  gates?: readonly UpgradeGate[]
  maxConnections?: number
  observers?: readonly EngineObserver[]
}

/**
 * A running WebSocket mock: a session on a real server on a loopback port, with its transcript and failures.
 * @example
 * const ws = await mockWs(); const client = new WebSocket(ws.url); await ws.connected
 */
export class MockWs implements PluginHost {
  /** `ws://127.0.0.1:PORT/ws` */
  readonly url: string
  readonly port: number
  readonly host: string
  /** The path served (`'*'`: any). */
  readonly path: string
  /** Resolves with the first connection. */
  readonly connected: Promise<MockConnection>
  /** @internal the connections, transcript and failures of this mock. */
  readonly session: Session<WsTransport>
  #upgrade: WsUpgrade
  #server: http.Server
  #strict: boolean
  #closing: Promise<void> | undefined
  #closeHooks: (() => void | Promise<void>)[] = []
  #untrack: () => void

  /** @internal use `mockWs()` */
  constructor(init: { server: http.Server; session: Session<WsTransport>; upgrade: WsUpgrade; host: string; port: number; path: string; strict: boolean }) {
    this.#server = init.server
    this.session = init.session
    this.#upgrade = init.upgrade
    this.host = init.host
    this.port = init.port
    this.path = init.path
    this.#strict = init.strict
    this.url = `ws://${urlHost(init.host)}:${init.port}${init.path === '*' ? '/' : examplePath(init.path)}`
    this.connected = init.session.firstConnection
    this.#untrack = trackMock(this)
  }

  /** Live connections, in order of arrival. */
  get connections(): readonly MockConnection[] {
    return this.session.connections
  }

  /** Every frame both ways, all connections. */
  get transcript(): readonly TranscriptFrame[] {
    return this.session.transcript
  }

  /** Client → server frames. */
  get received(): TranscriptFrame[] {
    return this.session.transcript.filter((f) => f.dir === 'in' && !f.close)
  }

  /** Server → client frames. */
  get sent(): TranscriptFrame[] {
    return this.session.transcript.filter((f) => f.dir === 'out' && !f.close)
  }

  /** Scenario failures so far. */
  get failures(): readonly ScenarioFailure[] {
    return this.session.failures
  }

  /** Snapshot of the counters. */
  get metrics(): MockWsMetrics {
    return { ...this.session.counters }
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closing !== undefined
  }

  /** @internal the clock of the mock's delays and waits (the `clock` option); the matchers wait with it. */
  get clock(): Clock {
    return this.session.clock
  }

  /** Resolves with the next connection not yet taken by an earlier call (works repeatedly). */
  nextConnection(opts: NextOptions = {}): Promise<MockConnection> {
    return this.session.connectionQueue.take(opts.timeout ?? DEFAULT_NEXT_TIMEOUT_MS, `a connection to ${this.url}`)
  }

  /** Resolves with the next client message (any connection) not yet taken by an earlier call. */
  async nextMessage(opts: NextOptions = {}): Promise<string | Uint8Array> {
    return this.session.messageQueue.take(opts.timeout ?? DEFAULT_NEXT_TIMEOUT_MS, `a client message on ${this.url}`)
  }

  /** Sends to the newest connection. */
  send(data: WsData): void {
    this.session.send(data, this.url)
  }

  /**
   * Drops every live connection abruptly (no close frame: clients see 1006) and keeps serving, so a
   * client's reconnect logic can be tested; `nextConnection()` then resolves with the reconnection.
   * @example
   * ws.dropAll(); const again = await ws.nextConnection()
   */
  dropAll(): void {
    for (const conn of [...this.session.connections]) conn.terminate()
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
    this.session.broadcast(data)
  }

  /** The recorded traffic of one connection as replay entries, ready to save as a fixture. */
  toReplay(opts: ToReplayOptions = {}): ReplayEntry[] {
    return this.session.toReplay(opts)
  }

  /** The recorded traffic of one connection as JSON Lines. */
  toJSONL(opts: ToReplayOptions = {}): string {
    return this.session.toJSONL(opts)
  }

  /** @internal runs `hook` during close, before the server stops (proxy upstreams, AI streams). */
  onClose(hook: () => void | Promise<void>): void {
    this.#closeHooks.push(hook)
  }

  /** @internal closes every client connection (1001); `close()` does it too (for features' close hooks). */
  closeConnections(): Promise<void> {
    return this.#upgrade.close()
  }

  /** @internal records a scenario failure (for features: AsyncAPI's contract check). */
  addFailure(failure: ScenarioFailure): void {
    this.session.addFailure(failure)
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
      await this.#upgrade.close()
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
    const failure = this.#strict ? this.session.failureError() : undefined
    if (failure) throw failure
  }
}

/** Starts an HTTP server with a session and its upgrade listener on it; resolves once listening. */
export async function startMock(options: ResolvedMockWsOptions, features: StartFeatures): Promise<MockWs> {
  assertMockCanStart()
  const { host, path } = options
  const session = new Session<WsTransport>({
    handler: features.handler,
    ...(options.maxTranscript !== undefined ? { maxTranscript: options.maxTranscript } : {}),
    ...(options.maxBufferedBytes !== undefined ? { maxBufferedBytes: options.maxBufferedBytes } : {}),
    ...(features.latency ? { latency: features.latency } : {}),
    ...(features.dropper ? { dropper: features.dropper } : {}),
    clock: clockFor(options.clock),
    observers: [...(options.telemetry ? [createTelemetryObserver()] : []), ...(features.observers ?? []), ...(options.observers ?? [])],
  })
  const upgrade = new WsUpgrade(session, {
    path,
    ...(options.maxPayload !== undefined ? { maxPayload: options.maxPayload } : {}),
    ...(options.protocols ? { protocols: options.protocols } : {}),
    ...(features.gates ? { gates: features.gates } : {}),
    ...(features.maxConnections !== undefined ? { maxConnections: features.maxConnections } : {}),
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
    if (!upgrade.handleUpgrade(req, socket, head)) {
      socket.on('error', () => socket.destroy())
      upgrade.refuse(req, socket, 404, `No WebSocket endpoint at ${req.url ?? '/'}: this mock serves ${path}`)
    }
  })
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
    else socket.destroy()
  })
  const port = await listen(server, host, options.port, options.strictPort)
  return new MockWs({ server, session, upgrade, host, port, path, strict: options.strict })
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

