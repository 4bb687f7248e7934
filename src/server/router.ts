import { stat } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { CLOSE_INTERNAL_ERROR, DEFAULT_WAIT_TIMEOUT_MS } from '../constants.js'
import { LatencyInjector } from '../latency/injector.js'
import { isLatencyInjector } from '../latency/mock-latency.js'
import type { LatencyProfileInput } from '../latency/profile.js'
import type { WsProxyHandler } from '../proxy/proxy-handler.js'
import { loadReplay } from '../replay/load.js'
import type { CompiledReplay } from '../replay/types.js'
import { echoHandler, play } from '../session/play.js'
import { toError } from '../session/to-error.js'
import { Session, type ConnectionHandler, type FrameDelayer, type MockWsMetrics } from '../session/session.js'
import { clockFor } from '../template/clock.js'
import type { FakerLike } from '../template/context.js'
import { loadFaker } from '../template/faker.js'
import { createTelemetryObserver } from '../telemetry/observer.js'
import { ENV, envFlag, envString } from './env.js'
import type { ReplayEntry } from '../replay/types.js'
import type { ToReplayOptions } from '../session/session.js'
import { MESSAGE_STREAM, type MessageStream } from '../session/message-stream.js'
import type { MockPlan } from './builder.js'
import type { MockWsOptions, StartFeatures } from './mock-ws.js'
import { resolveOptions, type ResolvedMockWsOptions } from './options.js'
import type { ScenarioFailure, TranscriptFrame } from './types.js'
import { WsUpgrade } from './upgrade.js'
import type { MockConnection, WsTransport } from './ws-transport.js'

/**
 * Options of `router()`.
 * @example
 * router({ path: '/ws', expandTemplates: true })
 */
export interface RouterOptions extends Pick<MockWsOptions, RouterOptionName> {
  /** Expand templates; unset: `MOCKFORGE_RESPONSE_TEMPLATE_EXPAND`, else false (MockForge's default). */
  expandTemplates?: boolean
  /** Replay file; unset: `MOCKFORGE_WS_REPLAY_FILE` read per connection, else echo. */
  replayFile?: string
  /** @internal latency injector (see `routerWithLatency`). */
  latency?: FrameDelayer
  /** @internal replaces the echo/replay behaviour (see `routerWithProxy`). */
  handler?: ConnectionHandler<WsTransport>
  /** @internal extra features (gates, observers, limits, drops). */
  engine?: Partial<Omit<StartFeatures, 'handler'>>
  /**
   * @internal serves a `mockWs()` builder's plan (`await builder.plan()`): its script, latency, drops and
   * strictness, on this router (the contract suite runs through it).
   */
  plan?: MockPlan
}

/**
 * A mountable WebSocket endpoint: pass `handleUpgrade` to any `http.Server`'s `upgrade` event.
 * @example
 * const ws = router({ path: '/ws' }); server.on('upgrade', ws.handleUpgrade)
 */
export interface WsRouter {
  readonly path: string
  /** `upgrade` listener; requests for other paths are left untouched for other listeners. */
  readonly handleUpgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => boolean
  readonly connections: readonly MockConnection[]
  readonly transcript: readonly TranscriptFrame[]
  readonly failures: readonly ScenarioFailure[]
  readonly metrics: MockWsMetrics
  /** Resolves with the next connection not yet taken. */
  nextConnection(opts?: { timeout?: number }): Promise<MockConnection>
  /** The recorded traffic of one connection (default: the first) as replay entries. */
  toReplay(opts?: ToReplayOptions): ReplayEntry[]
  /** @internal the stream the `toReceiveMessage` matchers take client messages from. */
  readonly [MESSAGE_STREAM]: MessageStream
  /** Ends every connection (1001); the HTTP server stays yours to close. With a strict `plan`, rejects with its failures. */
  close(): Promise<void>
}

/** The `MockWsOptions` a router takes (it owns no listener, so no port, host or strictness). */
const ROUTER_OPTIONS = ['path', 'seed', 'now', 'timeoutMs', 'maxPayload', 'protocols', 'speed', 'maxTranscript', 'maxRegexInput', 'observers', 'telemetry', 'expandTemplates', 'clock'] as const
type RouterOptionName = Exclude<(typeof ROUTER_OPTIONS)[number], 'expandTemplates'>

/** A router's options, checked, with defaults; `expandTemplates` stays unset when not given (it is then read per connection). */
type ResolvedRouterOptions = Omit<RouterOptions, 'expandTemplates'> & Pick<ResolvedMockWsOptions, 'path' | 'speed' | 'timeoutMs' | 'telemetry' | 'unexpected' | 'maxRegexInput'> & { expandTemplates?: boolean }

function resolveRouterOptions(options: RouterOptions): ResolvedRouterOptions {
  // Unset, a router reads MOCKFORGE_RESPONSE_TEMPLATE_EXPAND per connection (MockForge's behaviour), so the mock's default does not apply.
  return { ...resolveOptions(options, { action: 'create the router', only: ROUTER_OPTIONS }), expandTemplates: options.expandTemplates }
}

/** Handler that reads the replay file setting per connection (echo when none), caching the parse by mtime. */
function envReplayHandler(options: ResolvedRouterOptions): ConnectionHandler<WsTransport> {
  const cache = new Map<string, { mtimeMs: number; expand: boolean; replay: CompiledReplay; faker: FakerLike | undefined }>()
  async function load(file: string, expand: boolean) {
    const { mtimeMs } = await stat(file)
    const hit = cache.get(file)
    if (hit && hit.mtimeMs === mtimeMs && hit.expand === expand) return hit
    const replay = await loadReplay(file, { expandTemplates: expand, seed: options.seed })
    const faker = replay.usesFaker && expand ? await loadFaker(options.seed) : undefined
    const entry = { mtimeMs, expand, replay, faker }
    cache.set(file, entry)
    return entry
  }
  return (conn, session) => {
    const file = options.replayFile ?? envString(ENV.replayFile)
    if (!file) {
      echoHandler(conn, session)
      return
    }
    const expand = options.expandTemplates ?? envFlag(ENV.templateExpand) ?? false
    conn.inbox() // queue client messages while the file loads
    load(file, expand).then(
      ({ replay, faker }) => {
        if (conn.isOpen) void play(conn, replay, options, session, { faker })
      },
      (error: unknown) => {
        session.error(conn, toError(error, 'WSM_REPLAY_PARSE'))
        conn.close(CLOSE_INTERNAL_ERROR, 'mockforge-ws: replay file could not be loaded')
      },
    )
  }
}

/**
 * Creates a mountable WebSocket endpoint (echo, or replay when `MOCKFORGE_WS_REPLAY_FILE` is set).
 * @example
 * const server = http.createServer(app)
 * const ws = router({ path: '/ws' })
 * server.on('upgrade', ws.handleUpgrade)
 */
export function router(input: RouterOptions = {}): WsRouter {
  const { plan, ...rest } = input
  const options = plan ? { ...resolveRouterOptions(rest), ...pickRouterOptions(plan.options) } : resolveRouterOptions(rest)
  const features: Partial<StartFeatures> = { ...plan?.features, ...options.engine }
  const session = new Session<WsTransport>({
    handler: options.handler ?? features.handler ?? envReplayHandler(options),
    maxTranscript: options.maxTranscript,
    maxBufferedBytes: plan?.options.maxBufferedBytes,
    latency: options.latency ?? features.latency,
    dropper: features.dropper,
    clock: clockFor(options.clock),
    observers: [...(options.telemetry ? [createTelemetryObserver()] : []), ...(features.observers ?? []), ...(options.observers ?? [])],
  })
  const upgrade = new WsUpgrade(session, {
    path: options.path,
    maxPayload: options.maxPayload,
    protocols: options.protocols,
    gates: features.gates,
    maxConnections: features.maxConnections,
  })
  return {
    path: upgrade.path,
    handleUpgrade: upgrade.handleUpgrade,
    get connections() {
      return session.connections
    },
    get transcript() {
      return session.transcript
    },
    get failures() {
      return session.failures
    },
    get metrics() {
      return { ...session.counters }
    },
    nextConnection: (opts = {}) => session.connectionQueue.take(opts.timeout ?? DEFAULT_WAIT_TIMEOUT_MS, `a connection to ${upgrade.path}`),
    toReplay: (opts = {}) => session.toReplay(opts),
    get [MESSAGE_STREAM]() {
      return session.messageStream
    },
    close: async () => {
      await upgrade.close()
      const failure = plan?.options.strict ? session.failureError() : undefined
      if (failure) throw failure
    },
  }
}

/** The options of a builder's plan that a router reads (it owns no listener: no port, host or HTTP handler). */
function pickRouterOptions(options: ResolvedMockWsOptions): Partial<ResolvedRouterOptions> {
  return Object.fromEntries(ROUTER_OPTIONS.filter((name) => options[name] !== undefined).map((name) => [name, options[name]]))
}

/**
 * A router whose server→client messages (or both ways, per the injector's direction) are delayed
 * by a latency injector; a profile or preset name is turned into one, seeded by `options.seed`.
 * @example
 * const ws = routerWithLatency(new LatencyInjector(LatencyProfile.slow()), { path: '/ws' })
 * server.on('upgrade', ws.handleUpgrade)
 */
export function routerWithLatency(injector: LatencyInjector | LatencyProfileInput, options: RouterOptions = {}): WsRouter {
  resolveRouterOptions(options) // checked before the injector is built from options.seed
  const latency = isLatencyInjector(injector) ? injector : new LatencyInjector(injector, { seed: options.seed })
  return router({ ...options, latency })
}

/**
 * A router that forwards connections to the handler's upstream (paths its rules mark local get the
 * router's echo/replay); `close()` also waits for the upstream sockets to close.
 * @example
 * const ws = routerWithProxy(new WsProxyHandler({ upstreamUrl: 'wss://echo.example/ws', shouldProxy: true }))
 * server.on('upgrade', ws.handleUpgrade)
 */
export function routerWithProxy(handler: WsProxyHandler, options: RouterOptions = {}): WsRouter {
  const mounted = router({
    ...options,
    handler: handler.connectionHandler(options.handler ?? envReplayHandler(resolveRouterOptions(options))),
    engine: { ...options.engine, gates: [...(options.engine?.gates ?? []), handler.gate] },
  })
  const closeConnections = mounted.close
  mounted.close = async () => {
    // Client connections first, so their close codes reach the upstreams.
    await closeConnections()
    await handler.close()
  }
  return mounted
}
