import type { IncomingMessage } from 'node:http'
import WebSocket from 'ws'
import { CLOSE_BAD_GATEWAY, CLOSE_INTERNAL_ERROR } from '../constants.js'
import { MockWsError, ProxyError } from '../errors.js'
import type { ConnectionSink } from '../session/connection.js'
import type { ConnectionHandler } from '../session/session.js'
import type { UpgradeDecision, UpgradeGate } from '../server/upgrade.js'
import type { WsTransport } from '../server/ws-transport.js'
import { proxyTarget, resolveProxyConfig, upstreamHeaders, type ProxyTarget, type ResolvedProxyConfig, type WsProxyConfig } from './config.js'
import { forwardConnection } from './forward.js'
import { connectUpstream } from './upstream.js'

const ACCEPT: UpgradeDecision = { accept: true }
/** What the gate prepared for one upgrade request. */
type Prepared =
  | { kind: 'local' }
  | { kind: 'upstream'; url: URL; socket: WebSocket; claimed: boolean }
  | { kind: 'failed'; url: URL; error: ProxyError }

function offeredProtocols(header: string | string[] | undefined): string[] {
  if (header === undefined) return []
  const joined = Array.isArray(header) ? header.join(',') : header
  return joined
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
}

/**
 * Forwards WebSocket connections to a configured upstream (or serves them locally, per path rule).
 * The upstream is opened while the client's handshake waits in an upgrade gate, so the client is
 * answered with the subprotocol the upstream chose; an upstream that fails closes the client with 1014.
 * @example
 * const proxy = new WsProxyHandler({ upstreamUrl: 'ws://127.0.0.1:8080/ws', shouldProxy: true })
 * server.on('upgrade', routerWithProxy(proxy).handleUpgrade)
 */
export class WsProxyHandler {
  /** The validated configuration. */
  readonly config: ResolvedProxyConfig
  #prepared = new WeakMap<Pick<IncomingMessage, 'headers'>, Prepared>()
  #upstreams = new Map<WebSocket, Promise<void>>()
  #abort = new AbortController()
  #connecting = new Set<Promise<unknown>>()
  #unclaimed = new Set<WebSocket>()

  constructor(config: WsProxyConfig) {
    this.config = resolveProxyConfig(config)
  }

  /** Where a request URL (path and query) is sent: an upstream URL, or the local behaviour. */
  target(requestUrl: string): ProxyTarget {
    return proxyTarget(this.config, requestUrl)
  }

  /** Upstream sockets open right now (connected and not yet closed). */
  get upstreamCount(): number {
    return this.#upstreams.size
  }

  /**
   * Upgrade gate: opens the upstream before the client's handshake is answered. It always accepts;
   * a failed upstream is reported to the client as a 1014 close right after its handshake.
   */
  readonly gate: UpgradeGate = async (request) => {
    const target = proxyTarget(this.config, request.url ?? '/')
    if (target.kind === 'local' || this.#abort.signal.aborted) {
      this.#prepared.set(request, { kind: 'local' })
      return ACCEPT
    }
    const attempt = connectUpstream({
      url: target.url,
      protocols: offeredProtocols(request.headers['sec-websocket-protocol']),
      headers: upstreamHeaders(this.config, request.headers),
      timeoutMs: this.config.connectTimeoutMs,
      maxPayload: this.config.maxPayload,
      signal: this.#abort.signal,
    })
    this.#connecting.add(attempt)
    const result = await attempt.finally(() => this.#connecting.delete(attempt))
    if (!result.ok) {
      this.#prepared.set(request, { kind: 'failed', url: target.url, error: result.error })
      return ACCEPT
    }
    const socket = result.socket
    this.#track(socket)
    const prepared: Prepared = { kind: 'upstream', url: target.url, socket, claimed: false }
    this.#prepared.set(request, prepared)
    this.#unclaimed.add(socket)
    // Nobody claims the upstream when the client leaves, or is refused, before its handshake completes.
    const release = (): void => {
      if (!prepared.claimed) socket.terminate()
    }
    if (request.socket.destroyed) release()
    else request.socket.once('close', release)
    // The client is answered with exactly the protocol the upstream chose (or none), as if it had
    // connected to the upstream directly.
    if (socket.protocol) request.headers['sec-websocket-protocol'] = socket.protocol
    else delete request.headers['sec-websocket-protocol']
    return ACCEPT
  }

  /**
   * The per-connection handler: forwards proxied connections and hands local ones to `local`. When
   * `passThrough()` is true (nothing holds or drops frames in flight) and there is no
   * `messageTransform`, data frames pass as TCP bytes instead of being decoded and sent again.
   */
  connectionHandler(local: ConnectionHandler<WsTransport>, passThrough?: () => boolean): ConnectionHandler<WsTransport> {
    return (conn, engine) => {
      const prepared = this.#prepared.get(conn.request)
      this.#prepared.delete(conn.request)
      if (!prepared) {
        engine.error(conn, new MockWsError('WSM_CONFIG', 'Failed to proxy: the connection did not pass the proxy upgrade gate. Install WsProxyHandler.gate on the engine.'))
        conn.close(CLOSE_INTERNAL_ERROR, 'mockforge-ws proxy: not configured')
        return
      }
      if (prepared.kind === 'local') {
        local(conn, engine)
        return
      }
      if (prepared.kind === 'failed') {
        engine.error(conn, prepared.error)
        conn.close(CLOSE_BAD_GATEWAY, prepared.error.closeReason)
        return
      }
      prepared.claimed = true
      this.#unclaimed.delete(prepared.socket)
      const { socket, url } = prepared
      if (socket.readyState !== WebSocket.OPEN) {
        const error = new ProxyError('dropped', 'upstream closed before the client connected', url.href)
        engine.error(conn, error)
        conn.close(CLOSE_BAD_GATEWAY, error.closeReason)
        return
      }
      const fast = !this.config.messageTransform && passThrough?.() === true
      // At run time the engine is the session: the sink its connections report frames to.
      const sink = engine as Partial<ConnectionSink>
      void forwardConnection(conn, socket, {
        transform: this.config.messageTransform,
        maxBufferedBytes: this.config.maxBufferedBytes,
        upstreamUrl: url.href,
        onError: (error) => engine.error(conn, error),
        ...(fast && typeof sink.frame === 'function' ? { passThrough: { sink: sink as ConnectionSink } } : {}),
      })
    }
  }

  /**
   * Stops connecting, drops upstreams no client claimed, and resolves once every upstream socket is
   * closed (call it after the client connections were closed, so their close codes reach the upstreams).
   */
  async close(): Promise<void> {
    this.#abort.abort()
    await Promise.all([...this.#connecting])
    for (const socket of this.#unclaimed) socket.terminate()
    this.#unclaimed.clear()
    await Promise.all([...this.#upstreams.values()])
  }

  #track(socket: WebSocket): void {
    const gone = new Promise<void>((resolve) => {
      if (socket.readyState === WebSocket.CLOSED) resolve()
      else socket.once('close', () => resolve())
    })
    this.#upstreams.set(socket, gone)
    void gone.then(() => {
      this.#upstreams.delete(socket)
      this.#unclaimed.delete(socket)
    })
  }
}
