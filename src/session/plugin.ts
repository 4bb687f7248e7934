// The one interface features (proxy, record, AI, AsyncAPI, VCR) plug in through, below the builder: a
// feature depends on this file and the session's types, never on the builder, `MockWs` or their internals.
import type { ReplayEntry } from '../replay/types.js'
import type { MockWsOptions } from '../server/mock-ws.js'
import type { ScenarioFailure } from '../server/types.js'
import type { Clock } from '../template/clock.js'
import type { StartContext } from './play.js'
import type { WsTransport } from '../server/ws-transport.js'
import type { ConnectionHandler, ToReplayOptions } from './session.js'

/**
 * What a running mock offers a feature: close hooks, the end of its connections, failures, its recording.
 * @example
 * attach(host) { host.onClose(async () => { await host.closeConnections(); await upstream.close() }) }
 */
export interface PluginHost {
  /** The clock of the mock's delays and waits. */
  readonly clock: Clock
  /** Runs `hook` during `close()`, before the listener stops. */
  onClose(hook: () => void | Promise<void>): void
  /** Closes every client connection (1001) and resolves once they are closed (idempotent). */
  closeConnections(): Promise<void>
  /** Records a scenario failure (bounded like every failure). */
  addFailure(failure: ScenarioFailure): void
  /** The recorded traffic of one connection as replay entries. */
  toReplay(opts?: ToReplayOptions): ReplayEntry[]
}

/**
 * A feature that replaces the default per-connection behaviour (proxy, AI) or watches the mock (record),
 * installed by builder methods.
 * @example
 * mockWs().use({ handler: () => (conn) => conn.send('hi') })
 */
export interface BehaviourPlugin {
  /** Builds the handler once the script is compiled. Absent: the plugin only observes (record). */
  handler?(ctx: StartContext): ConnectionHandler<WsTransport> | Promise<ConnectionHandler<WsTransport>>
  /** Called once the mock runs (e.g. to register close hooks). */
  attach?(host: PluginHost): void
  /** Runs first when the mock starts, before anything listens (loading a document); returns options to override. */
  prepare?(options: Readonly<MockWsOptions>): Promise<Partial<MockWsOptions>>
}
