// The `ws` side of a session: HTTP upgrades for one path, through the gates (fault injection, proxy) and
// the connection limit, into `ws` sockets that become the session's transports. `MockWs` and `router()`
// both sit on this; MSW has no upgrade and does not.
import { STATUS_CODES, type IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import { DEFAULT_MAX_PAYLOAD } from '../constants.js'
import type { Session } from '../session/session.js'
import { errorMessage } from '../session/to-error.js'
import type { Clock } from '../template/clock.js'
import type { EngineObserver } from './observer.js'
import { pathMatcher } from './path-pattern.js'
import { WsTransport } from './ws-transport.js'

/** What an upgrade gate decided. */
export type UpgradeDecision = { accept: true } | { accept: false; status: number; message?: string }
/** Per-upgrade hook that may refuse or delay a handshake (fault injection, limits, the proxy's upstream dial). */
export type UpgradeGate = (request: IncomingMessage, session: { readonly clock: Clock }) => UpgradeDecision | Promise<UpgradeDecision>

/** Options of the upgrade listener shared by `mockWs()` and the routers. */
export interface WsUpgradeOptions {
  /** Path to accept (`'*'`: any; `{name}` segments match any one segment, e.g. `/rooms/{room}`). */
  path: string
  maxPayload?: number
  /** Subprotocols accepted; the first one the client offers that is listed wins. Unset: accept the client's first. */
  protocols?: readonly string[]
  gates?: readonly UpgradeGate[]
  /** Live connections beyond which upgrades are refused with HTTP 503, checked after the gates. */
  maxConnections?: number
}

/** Turns HTTP upgrades for one path into connections of a session (`server.on('upgrade', upgrade.handleUpgrade)`). */
export class WsUpgrade {
  readonly path: string
  #session: Session<WsTransport>
  #options: WsUpgradeOptions
  #wss: WebSocketServer
  #matchesPath: (pathname: string) => boolean
  #pendingUpgrades = new Set<Duplex>()
  #closing: Promise<void> | undefined

  constructor(session: Session<WsTransport>, options: WsUpgradeOptions) {
    this.#session = session
    this.#options = options
    this.path = options.path
    this.#matchesPath = pathMatcher(options.path)
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
  }

  /** True when `pathname` is served here. */
  accepts(pathname: string): boolean {
    return this.#matchesPath(pathname)
  }

  /**
   * Handles an HTTP upgrade for this path; returns false (and touches nothing) for other paths
   * so other `upgrade` listeners can take them.
   */
  handleUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const url = request.url ?? '/'
    const q = url.indexOf('?')
    if (!this.accepts(q === -1 ? url : url.slice(0, q))) return false
    // No 'error' listener of ours on the way straight in: ws handles the socket's errors from its
    // handleUpgrade on. A refusal (`refuse()`) and a wait for the gates add one.
    if (this.#session.shuttingDown) {
      this.refuse(request, socket, 503, 'mock server is closing')
      return true
    }
    const gates = this.#options.gates
    if (!gates || gates.length === 0) {
      this.#admit(request, socket, head)
      return true
    }
    socket.on('error', destroySelf)
    this.#pendingUpgrades.add(socket)
    void this.#runGates(gates, request).then(
      (decision) => {
        this.#pendingUpgrades.delete(socket)
        if (socket.destroyed) return
        if (this.#session.shuttingDown) this.refuse(request, socket, 503, 'mock server is closing')
        else if (decision.accept) this.#admit(request, socket, head)
        else this.refuse(request, socket, decision.status, decision.message)
      },
      (error: unknown) => {
        this.#pendingUpgrades.delete(socket)
        this.#session.countError()
        rejectUpgrade(socket, 500, errorMessage(error))
      },
    )
    return true
  }

  /** Refuses an upgrade with an HTTP status, telling the observers. */
  refuse(request: IncomingMessage, socket: Duplex, status: number, message?: string): void {
    if (!socket.listeners('error').includes(destroySelf)) socket.on('error', destroySelf)
    for (const o of this.#session.observers as readonly EngineObserver[]) o.handshakeRejected?.(request, status)
    rejectUpgrade(socket, status, message)
  }

  /** Ends the session's connections (1001), drops pending upgrades and stops the `ws` server. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing
    this.#closing = this.#session.close()
    for (const socket of this.#pendingUpgrades) socket.destroy()
    this.#pendingUpgrades.clear()
    // A `noServer` ws server holds nothing (no listener, no client tracking): stopping it needs no wait.
    this.#wss.close()
    return this.#closing
  }

  async #runGates(gates: readonly UpgradeGate[], request: IncomingMessage): Promise<UpgradeDecision> {
    for (const gate of gates) {
      const decision = await gate(request, this.#session)
      if (!decision.accept) return decision
    }
    return { accept: true }
  }

  // The limit is checked right before the upgrade, which ws completes synchronously, so upgrades that
  // leave their gates at the same moment cannot both take the last slot.
  #admit(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const limit = this.#options.maxConnections
    if (limit !== undefined && this.#session.connections.length >= limit) {
      this.refuse(request, socket, 503, `mock server is at its limit of ${limit} connection${limit === 1 ? '' : 's'}`)
      return
    }
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      const transport = new WsTransport(ws, request)
      this.#session.accept(transport)
      transport.releaseRequest()
    })
  }
}

/**
 * Error listener of an upgraded socket. A module-level function rather than an arrow inside
 * `handleUpgrade`: the arrow would keep that call's scope (the request and the upgrade's `head`
 * Buffer, which the gate callbacks capture) reachable for as long as the socket lives, about 400
 * bytes per idle connection.
 */
function destroySelf(this: Duplex): void {
  this.destroy()
}

/** Answers an upgrade request with a plain HTTP error and closes the socket. */
export function rejectUpgrade(socket: Duplex, status: number, message?: string): void {
  if (socket.destroyed) return
  const statusText = STATUS_CODES[status] ?? 'Error'
  const body = `${message ?? statusText}\n`
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\n` +
      'Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}
