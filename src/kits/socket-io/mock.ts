import type http from 'node:http'
import type { Server as SocketIoServer } from 'socket.io'
import { DEFAULT_NEXT_TIMEOUT_MS } from '../../constants.js'
import { MockWsError } from '../../errors.js'
import { toJSONL } from '../../replay/serialize.js'
import { isShutdownClose } from '../../replay/shutdown-close.js'
import type { PlayStep, ReplayEntry } from '../../replay/types.js'
import { MessageQueue } from '../../session/message-queue.js'
import { SessionOwner, type NextOptions } from '../../session/owner.js'
import type { MockWsMetrics, Session, ToReplayOptions } from '../../session/session.js'
import type { SocketIoConnection } from './connection.js'
import { escapeTemplateText } from '../../template/escape.js'
import { decodeValue, frameText, parseFrame } from './dialect.js'
import { SocketIoTransport, type SocketIoEvent, type SocketIoTransportHooks } from './transport.js'

/** Counters of a Socket.IO mock: the session's, and the decoded events either way. */
export interface MockSocketIoMetrics extends MockWsMetrics {
  eventsIn: number
  eventsOut: number
}

/**
 * A running Socket.IO mock: a real `socket.io` server on a loopback port whose sockets are the connections
 * of one session (transcript, failures, matchers, `nextConnection`, close), and its decoded events.
 * @example
 * const io = await mockSocketIo().emit('welcome', { id: 1 }); const client = ioClient(io.url)
 */
export class MockSocketIo extends SessionOwner<SocketIoTransport> {
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
  declare readonly connected: Promise<SocketIoConnection>
  #http: http.Server
  #events: SocketIoEvent[] = []
  #eventQueue = new MessageQueue<SocketIoEvent>()
  #eventsIn = 0
  #eventsOut = 0

  /** @internal use `mockSocketIo()` */
  constructor(init: { http: http.Server; server: SocketIoServer; host: string; port: number; namespace: string; path: string; strict: boolean; session: Session<SocketIoTransport>; steps: readonly PlayStep[] }) {
    super(init.session, init.strict)
    this.#http = init.http
    this.server = init.server
    this.host = init.host
    this.port = init.port
    this.namespace = init.namespace
    this.path = init.path
    this.url = `http://${init.host.includes(':') ? `[${init.host}]` : init.host}:${init.port}`
    // Nothing waits on it in most tests; a rejection here would be an unhandled one.
    this.connected.catch(() => {})
    const hooks = this.#hooks()
    init.server.of(init.namespace).on('connection', (socket) => {
      // The session numbers connections in order of arrival: this one gets the next id.
      this.session.accept(new SocketIoTransport(socket, this.session.counters.connectionsTotal + 1, hooks, init.steps))
    })
  }

  #hooks(): SocketIoTransportHooks {
    return {
      event: (event) => {
        this.#events.push(event)
        if (event.dir === 'out') this.#eventsOut++
        else {
          this.#eventsIn++
          this.#eventQueue.push(event)
        }
      },
      unrecordable: (transport, what, cause) => {
        const actual = `${what} could not be recorded: ${cause}`
        this.addFailure({ kind: 'unexpected-message', connection: transport.id, step: 0, expected: 'an event the mock can record', actual, ts: transport.elapsed(), message: actual })
      },
      sendFailed: (transport, text, cause, step) => {
        const number = step ? step.index + 1 : 0
        const where = step ? ` (${step.origin.file}:${step.origin.line})` : ''
        this.addFailure({
          kind: 'send-failed',
          connection: transport.id,
          step: number,
          expected: step ? (step.origin.description ?? text) : text,
          actual: cause,
          ts: transport.elapsed(),
          message: `step ${number}${where}: send failed: ${cause}`,
          ...(step ? { origin: step.origin } : {}),
        })
      },
    }
  }

  /** Connected sockets of the namespace, in order of arrival. */
  override get connections(): readonly SocketIoConnection[] {
    // The session builds every connection as a SocketIoConnection (its `connection` option).
    return this.session.connections as unknown as readonly SocketIoConnection[]
  }

  /** Decoded events both ways, every connection, in order. */
  get events(): readonly SocketIoEvent[] {
    return this.#events
  }

  /** Snapshot of the counters. */
  override get metrics(): MockSocketIoMetrics {
    return { ...this.session.counters, eventsIn: this.#eventsIn, eventsOut: this.#eventsOut }
  }

  /** Resolves with the next connection not yet taken by an earlier call. */
  override nextConnection(opts: NextOptions = {}): Promise<SocketIoConnection> {
    return super.nextConnection(opts) as Promise<SocketIoConnection>
  }

  /** Resolves with the next event a client emitted (any connection) not yet taken by an earlier call. */
  nextEvent(opts: NextOptions = {}): Promise<SocketIoEvent> {
    return this.#eventQueue.take(opts.timeout ?? DEFAULT_NEXT_TIMEOUT_MS, `a Socket.IO event on ${this.url}`)
  }

  /** Emits to every connected socket of the namespace (outside the script). */
  emit(event: string, ...args: unknown[]): void {
    if (this.connections.length === 0) throw new MockWsError('WSM_CLOSED', `Failed to emit "${event}": no Socket.IO client is connected to ${this.url}. Await io.connected first.`)
    for (const conn of this.connections) conn.emit(event, ...args)
  }

  /**
   * The recorded traffic of one connection (default: the first) as replay entries of the Socket.IO
   * dialect; `{{` in strings is escaped so the recording replays literally.
   */
  override toReplay(opts: ToReplayOptions = {}): ReplayEntry[] {
    const id = opts.connection ?? this.transcript[0]?.connection
    const entries: ReplayEntry[] = []
    let last = 0
    for (const frame of this.transcript) {
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
      // `{{` is escaped in every string (`\{{`), so the recording replays literally.
      const args = decodeValue(parsed.args, escapeTemplateText) as unknown[]
      entries.push({ ts, dir: 'out', text: frameText(parsed.kind === 'ack' ? { kind: 'ack', to: parsed.to, args } : { ...parsed, args }) })
    }
    return entries
  }

  /** The recorded traffic of one connection as JSON Lines. */
  override toJSONL(opts: ToReplayOptions = {}): string {
    return toJSONL(this.toReplay(opts))
  }

  /** Disconnects every client, then stops the socket.io and HTTP servers. */
  protected async shutdown(): Promise<void> {
    this.#eventQueue.close(new MockWsError('WSM_CLOSED', `The Socket.IO mock at ${this.url} was closed.`))
    await this.session.close()
    await new Promise<void>((resolve) => {
      // Closes every engine.io client left (polling requests answered, websockets closed) and the http server.
      void this.server.close(() => resolve())
      this.#http.closeAllConnections()
    })
    // Node releases the listening handle a loop turn after the close callback.
    await new Promise<void>((resolve) => setImmediate(resolve))
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}
