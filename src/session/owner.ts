// What every mock built on a session shows its test: `MockWs` (a server of its own) and `MswWsMock` (an MSW
// handler) differ only in how clients get in and what closing stops, so the rest is written once, here.
import { DEFAULT_NEXT_TIMEOUT_MS } from '../constants.js'
import type { ReplayEntry } from '../replay/types.js'
import { trackMock } from '../server/registry.js'
import type { ScenarioFailure, TranscriptFrame } from '../server/types.js'
import type { Clock } from '../template/clock.js'
import type { Connection, WsData } from './connection.js'
import { MESSAGE_STREAM, type MessageStream } from './message-stream.js'
import type { PluginHost } from './plugin.js'
import type { MockWsMetrics, Session, ToReplayOptions } from './session.js'
import type { Transport } from './transport.js'

/** Options of `nextMessage()` / `nextConnection()`. */
export interface NextOptions {
  /** ms to wait before rejecting (default 5000). */
  timeout?: number
}

/**
 * A mock over a session: connections, transcript, failures, metrics, waits, sends, recording, close.
 * @example
 * class MyMock extends SessionOwner<MyTransport> { readonly url = 'my://mock'; protected shutdown() { return this.session.close() } }
 */
export abstract class SessionOwner<T extends Transport> implements PluginHost {
  /** Where clients connect (shown in waits and errors). */
  abstract readonly url: string
  /** Resolves with the first connection. */
  readonly connected: Promise<Connection<T>>
  /** @internal the connections, transcript and failures of this mock. */
  readonly session: Session<T>
  #strict: boolean
  #closing: Promise<void> | undefined
  #closeHooks: (() => void | Promise<void>)[] = []
  #untrack: () => void

  constructor(session: Session<T>, strict: boolean) {
    this.session = session
    this.#strict = strict
    this.connected = session.firstConnection
    this.#untrack = trackMock(this)
  }

  /** Live connections, in order of arrival. */
  get connections(): readonly Connection<T>[] {
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

  /** @internal the stream `nextMessage()` and the `toReceiveMessage` matchers take client messages from. */
  get [MESSAGE_STREAM](): MessageStream {
    return this.session.messageStream
  }

  /** Resolves with the next connection not yet taken by an earlier call (works repeatedly). */
  nextConnection(opts: NextOptions = {}): Promise<Connection<T>> {
    return this.session.connectionQueue.take(opts.timeout ?? DEFAULT_NEXT_TIMEOUT_MS, `a connection to ${this.url}`)
  }

  /** Resolves with the next client message (any connection) not yet taken by an earlier call (`nextMessage` or `toReceiveMessage`). */
  nextMessage(opts: NextOptions = {}): Promise<string | Uint8Array> {
    return this.session.messageStream.take({ timeoutMs: opts.timeout ?? DEFAULT_NEXT_TIMEOUT_MS, describe: `a client message on ${this.url}` }).then((message) => message.data)
  }

  /** Sends to the newest connection. */
  send(data: WsData): void {
    this.session.send(data, this.url)
  }

  /** Sends to every live connection. */
  broadcast(data: WsData): void {
    this.session.broadcast(data)
  }

  /** The recorded traffic of one connection (default: the first) as replay entries, ready to save as a fixture. */
  toReplay(opts: ToReplayOptions = {}): ReplayEntry[] {
    return this.session.toReplay(opts)
  }

  /** The recorded traffic of one connection as JSON Lines. */
  toJSONL(opts: ToReplayOptions = {}): string {
    return this.session.toJSONL(opts)
  }

  /** @internal runs `hook` during close, before the mock stops (proxy upstreams, AI streams, recordings). */
  onClose(hook: () => void | Promise<void>): void {
    this.#closeHooks.push(hook)
  }

  /** @internal closes every client connection (1001); `close()` does it too (for features' close hooks). */
  closeConnections(): Promise<void> {
    return this.session.close()
  }

  /** @internal records a scenario failure (for features: AsyncAPI's contract check). */
  addFailure(failure: ScenarioFailure): void {
    this.session.addFailure(failure)
  }

  /**
   * Closes every connection (1001) and whatever the mock listens with; resolves when no socket, server or
   * timer is left. In strict mode rejects with a `ScenarioFailureError` reporting the scenario failures.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  /** Stops what only this kind of mock has (its listener), after the close hooks. */
  protected abstract shutdown(): Promise<void>

  async #close(): Promise<void> {
    try {
      for (const hook of this.#closeHooks) await hook()
      await this.shutdown()
    } finally {
      this.#untrack()
    }
    const failure = this.#strict ? this.session.failureError() : undefined
    if (failure) throw failure
  }
}
