import http from 'node:http'
import { MockWsError } from '../errors.js'
import { SessionOwner } from '../session/owner.js'
import { Session, type ConnectionHandler, type FrameDelayer, type FrameDropper } from '../session/session.js'
import { clockFor, realClock } from '../template/clock.js'
import { createTelemetryObserver } from '../telemetry/observer.js'
import type { EngineObserver } from './observer.js'
import { assertMockCanStart } from './registry.js'
import { examplePath } from './path-pattern.js'
import { addInterceptRoute, type InterceptPattern } from './intercept.js'
import type { ResolvedMockWsOptions } from './options.js'
import { WsUpgrade, type UpgradeGate } from './upgrade.js'
import type { WsTransport } from './ws-transport.js'

export { ScenarioFailureError } from '../errors.js'
export type { ToReplayOptions } from '../session/session.js'

export { closeAllMocks, liveMockCount } from './registry.js'

export type { MockWsOptions } from './options.js'
export type { NextOptions } from '../session/owner.js'


function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1'
  if (host === '::') return '[::1]'
  return host.includes(':') ? `[${host}]` : host
}


/** What `startMock` adds to the resolved options: the handler and the features derived at start (latency, drops, gates, limits, observers). */
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
export class MockWs extends SessionOwner<WsTransport> {
  /** `ws://127.0.0.1:PORT/ws` */
  readonly url: string
  readonly port: number
  readonly host: string
  /** The path served (`'*'`: any). */
  readonly path: string
  #upgrade: WsUpgrade
  #server: http.Server

  /** @internal use `mockWs()` */
  constructor(init: { server: http.Server; session: Session<WsTransport>; upgrade: WsUpgrade; host: string; port: number; path: string; strict: boolean }) {
    super(init.session, init.strict)
    this.#server = init.server
    this.#upgrade = init.upgrade
    this.host = init.host
    this.port = init.port
    this.path = init.path
    this.url = `ws://${urlHost(init.host)}:${init.port}${init.path === '*' ? '/' : examplePath(init.path)}`
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

  /** @internal closes every client connection (1001) and drops pending upgrades. */
  override closeConnections(): Promise<void> {
    return this.#upgrade.close()
  }

  protected shutdown(): Promise<void> {
    // The listener stops first, so that Node releases its handle (a loop turn after close(): the two real
    // turns below) while the connections close, instead of after them; close() then resolves with no
    // socket, server or timer left (leak checks). Real turns whatever the clock: a test's fake setImmediate
    // would never run them, and close() would hang. One promise, settled by the last of the three.
    return new Promise<void>((resolve) => {
      let waits = 3
      const done = (): void => {
        if (--waits === 0) resolve()
      }
      this.#server.close(done)
      realClock.setImmediate(() => realClock.setImmediate(done))
      void this.#upgrade.close().then(() => {
        // The HTTP connections that never upgraded (the server's close waits for them).
        this.#server.closeAllConnections()
        done()
      })
    })
  }
}

/** Starts an HTTP server with a session and its upgrade listener on it; resolves once listening. */
export function startMock(options: ResolvedMockWsOptions, features: StartFeatures): Promise<MockWs> {
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
      upgrade.refuse(req, socket, 404, `No WebSocket endpoint at ${req.url ?? '/'}: this mock serves ${path}`)
    }
  })
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
    else socket.destroy()
  })
  return listen(server, host, options.port, options.strictPort).then((port) => new MockWs({ server, session, upgrade, host, port, path, strict: options.strict }))
}

/** Listens on `host:port` (0: a free port), exclusively; resolves with the port, rejects with the server's error (EADDRINUSE, …). */
export function listenOnce(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    // After an error the listen callback stays until the next listen (the port fallback) calls it: a no-op then.
    server.once('error', reject)
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', reject)
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : port)
    })
  })
}

function listen(server: http.Server, host: string, port: number, strictPort: boolean): Promise<number> {
  return listenOnce(server, host, port).catch(async (error: NodeJS.ErrnoException) => {
    const code = error.code
    if (port === 0 || strictPort || code !== 'EADDRINUSE') {
      throw new MockWsError(
        'WSM_SERVER_START',
        `Failed to start mock on ${host}:${port}: ${error.message}.${code === 'EADDRINUSE' ? ' Use port 0 (or drop strictPort) to take a free port.' : ''}`,
        { cause: error },
      )
    }
    // The preferred port is taken: take a free one instead (get-port prefers the ports near it).
    const { default: getPort } = await import('get-port')
    const fallback = await getPort({ host })
    return listenOnce(server, host, fallback)
  })
}
