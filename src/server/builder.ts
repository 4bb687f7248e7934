import { aiPlugin } from '../ai/plugin.js'
import { asyncApiPlugin } from '../asyncapi/plugin.js'
import type { AsyncApiOptions, AsyncApiSource } from '../asyncapi/types.js'
import type { WebSocketAiConfig } from '../ai/types.js'
import { CLOSE_ABNORMAL } from '../constants.js'
import { MockWsError } from '../errors.js'
import { checkMaxConnections, failHandshakeGate, MessageDropper, slowHandshakeGate, type DropMessagesOptions, type HandshakeFaultOptions } from '../latency/faults.js'
import type { LatencyInjector, LatencyInjectorOptions } from '../latency/injector.js'
import { latencyFactory } from '../latency/mock-latency.js'
import type { LatencyProfileInput } from '../latency/profile.js'
import { proxyPlugin, type ProxyOptions } from '../proxy/plugin.js'
import { RECORD_CONNECTION_PLACEHOLDER, recorder, type RecordOptions } from '../proxy/recorder.js'
import { checkVcrOptions, perConnectionReplay, removeOldRecordings, vcrMode, type VcrOptions } from '../proxy/vcr.js'
import { pickRecordTransform } from '../replay/record-transform.js'
import type { MessageMatcher } from '../scenario/matcher.js'
import { Scenario } from '../scenario/scenario.js'
import type { ReplayEntry } from '../replay/types.js'
import type { BehaviourPlugin } from '../session/plugin.js'
import { scriptHandler, type StartContext } from '../session/play.js'
import { compileScript, type ScriptPart } from '../session/script.js'
import { startMock, type MockWs, type MockWsOptions, type StartFeatures } from './mock-ws.js'
import { resolveOptions, type ResolvedMockWsOptions } from './options.js'

const NO_SCRIPT = { script: undefined, faker: undefined } as const

/** Options of one step's wait. */
export interface StepWaitOptions {
  /** ms this wait may take (default: the mock's `timeoutMs`). */
  timeoutMs?: number
}

export type { BehaviourPlugin } from '../session/plugin.js'

/**
 * Configures a mock fluently; awaiting it starts the server (`PromiseLike<MockWs>`).
 * @example
 * const ws = await mockWs().waitFor(/^READY$/).send('{"type":"welcome"}').expect({ type: 'subscribe' })
 */
export class MockWsBuilder implements PromiseLike<MockWs> {
  #options: MockWsOptions
  #parts: ScriptPart[] = []
  #steps: Scenario | undefined
  #plugins: BehaviourPlugin[] = []
  #gatesAndDelayers: ((ctx: StartContext) => Partial<StartFeatures>)[] = []
  #started: Promise<MockWs> | undefined
  #planned: Promise<MockPlan> | undefined
  #echoAfterScript = false

  constructor(options: MockWsOptions = {}) {
    this.#options = { ...options }
  }

  /** Options as configured so far (a copy). */
  get options(): Readonly<MockWsOptions> {
    return { ...this.#options }
  }

  /** Plays a replay file path, JSON Lines text, or entry array (validated before the server starts). */
  replay(source: string | readonly ReplayEntry[] | URL, opts: { speed?: number } = {}): this {
    this.#mutable('replay')
    this.#steps = undefined
    this.#parts.push({ kind: 'replay', source })
    if (opts.speed !== undefined) this.#options.speed = opts.speed
    return this
  }

  /** Appends a scenario's steps. */
  scenario(scenario: Scenario): this {
    this.#mutable('scenario')
    this.#steps = undefined
    this.#parts.push({ kind: 'compiled', compile: (o) => scenario.compile(o) })
    return this
  }

  /** Sends a text or binary message. */
  send(data: string | Uint8Array): this {
    this.#scenarioSteps().send(data)
    return this
  }

  /** Expects the next client message to match (exact string, RegExp, JSON subset or predicate). */
  expect(matcher: MessageMatcher, opts?: StepWaitOptions): this {
    this.#scenarioSteps().expect(matcher, opts)
    return this
  }

  /** Waits for a client message that matches, skipping others. */
  waitFor(matcher: MessageMatcher, opts?: StepWaitOptions): this {
    this.#scenarioSteps().waitFor(matcher, opts)
    return this
  }

  /** Waits `ms` before the next step. */
  delay(ms: number): this {
    this.#scenarioSteps().delay(ms)
    return this
  }

  /** Closes the connection with a close frame. */
  close(code?: number, reason?: string): this {
    this.#scenarioSteps().close(code, reason)
    return this
  }

  /**
   * Drops the connection at this point of the script: no close frame, the client sees 1006
   * (after any message still delayed by latency). Written to replay files as `close` code 1006.
   * @example
   * await mockWs().send('partial').dropConnection()
   */
  dropConnection(): this {
    this.#scenarioSteps().close(CLOSE_ABNORMAL)
    return this
  }

  /**
   * Delays messages by draws from a latency profile (server→client unless `direction` says otherwise),
   * never reordering them; seeded by `seed`, else by the mock's `seed`.
   * @example
   * await mockWs({ seed: 42 }).latency('4g').send('hello')
   */
  latency(profile: LatencyProfileInput | LatencyInjector, opts: LatencyInjectorOptions = {}): this {
    this.#mutable('latency')
    const make = latencyFactory(profile, opts)
    return this.engineOption((ctx) => ({ latency: make(ctx.options.seed) }))
  }

  /**
   * Loses each server→client message with `probability` (0 to 1); lost messages are not in the transcript.
   * @example
   * await mockWs({ seed: 7 }).dropMessages(0.1)
   */
  dropMessages(probability: number, opts: DropMessagesOptions = {}): this {
    this.#mutable('dropMessages')
    new MessageDropper(probability, opts) // validates now, rather than when the mock starts
    return this.engineOption((ctx) => {
      const seed = opts.seed ?? ctx.options.seed
      return { dropper: new MessageDropper(probability, seed !== undefined ? { seed } : {}) }
    })
  }

  /**
   * Refuses WebSocket handshakes with an HTTP status (every one, or the first `times`).
   * @example
   * await mockWs().failHandshake(503, { times: 1 }) // the client's first attempt fails, its retry succeeds
   */
  failHandshake(status: number, opts: HandshakeFaultOptions = {}): this {
    this.#mutable('failHandshake')
    const gate = failHandshakeGate(status, opts)
    return this.engineOption(() => ({ gates: [gate] }))
  }

  /**
   * Holds WebSocket handshakes for `ms` before answering them (every one, or the first `times`).
   * @example
   * await mockWs().slowHandshake(2000)
   */
  slowHandshake(ms: number, opts: HandshakeFaultOptions = {}): this {
    this.#mutable('slowHandshake')
    const gate = slowHandshakeGate(ms, opts)
    return this.engineOption(() => ({ gates: [gate] }))
  }

  /**
   * Refuses handshakes with HTTP 503 while `limit` connections are open (a closing one still counts).
   * @example
   * await mockWs().maxConnections(1)
   */
  maxConnections(limit: number): this {
    this.#mutable('maxConnections')
    const max = checkMaxConnections(limit)
    return this.engineOption(() => ({ maxConnections: max }))
  }

  /**
   * Streams AI-generated events to every connection (see docs/ai-events.md); the config is validated now.
   * @example
   * await mockWs().ai({ enabled: true, replay: { narrative: 'Stock trades', provider: 'offline' }, maxEvents: 10 })
   */
  ai(config: WebSocketAiConfig): this {
    return this.use(aiPlugin(config))
  }

  /**
   * Forwards every connection to an upstream WebSocket server (see docs/proxy-and-record.md); the
   * mock's own script serves paths that `rules` mark local. An upstream failure closes the client with 1014.
   * @example
   * await mockWs().proxy('ws://127.0.0.1:8080/feed', { record: { file: 'feed.jsonl' } })
   */
  proxy(url: string, opts: ProxyOptions = {}): this {
    this.#mutable('proxy')
    const { plugin, handler } = proxyPlugin(url, opts)
    this.engineOption(() => ({ gates: [handler.gate] }))
    if (opts.record) this.record(opts.record === true ? {} : opts.record)
    return this.use(plugin)
  }

  /**
   * Records every connection's traffic as replay entries; with `file`, writes JSON Lines as each connection closes.
   * @example
   * await mockWs().proxy(upstreamUrl).record({ file: 'recordings/{connection}.jsonl' })
   */
  record(opts: RecordOptions = {}): this {
    this.#mutable('record')
    const { plugin, observer } = recorder(opts)
    this.engineOption(() => ({ observers: [observer] }))
    return this.use(plugin)
  }

  /**
   * Mocks one channel of an AsyncAPI 2.x or 3.x document (see docs/asyncapi.md): listens at its address,
   * sends the examples of the messages the application sends, and checks every frame both ways against
   * the payload schemas (`schema-mismatch` failures). Needs `@asyncapi/parser` (an optional peer).
   * @example
   * await mockWs({ strict: true }).asyncApi('asyncapi.yaml', { channel: 'market', validate: 'fail' })
   */
  asyncApi(spec: AsyncApiSource, opts: AsyncApiOptions = {}): this {
    this.#mutable('asyncApi')
    const { plugin, part, observer } = asyncApiPlugin(spec, opts)
    this.#steps = undefined
    this.#parts.push(part)
    this.engineOption(() => ({ observers: [observer] }))
    return this.use(plugin)
  }

  /**
   * Record once, replay ever after: replays `file` when it exists; otherwise (or with `update: true` or
   * `MOCKFORGE_WS_UPDATE=1`) proxies to `upstream` and records each connection into it (see docs/proxy-and-record.md).
   * @example
   * const ws = await mockWs({ strict: true }).vcr('test/fixtures/feed-{connection}.jsonl', { upstream: 'ws://127.0.0.1:8080/feed' })
   */
  vcr(file: string, opts: VcrOptions): this {
    this.#mutable('vcr')
    checkVcrOptions(file, opts)
    if (vcrMode(file, opts) === 'replay') {
      return file.includes(RECORD_CONNECTION_PLACEHOLDER) ? this.use(perConnectionReplay(file)) : this.replay(file)
    }
    const { onWrite, onError } = opts
    this.proxy(opts.upstream, { ...opts.proxy, record: { file, ...pickRecordTransform(opts), ...(onWrite ? { onWrite } : {}), ...(onError ? { onError } : {}) } })
    return this.use({ attach: () => removeOldRecordings(file) })
  }

  /**
   * Echoes every message: alone, the default echo; with steps, each connection plays the steps, then
   * echoes (first the messages the steps did not consume, in order, then every later one).
   * @example
   * await mockWs().expect('hello').send('welcome').echo() // 'hello' is consumed, not echoed
   */
  echo(): this {
    this.#mutable('echo')
    this.#echoAfterScript = true
    return this
  }

  /** @internal installs a behaviour plugin (proxy, AI). */
  use(plugin: BehaviourPlugin): this {
    this.#mutable('use')
    this.#plugins.push(plugin)
    return this
  }

  /** @internal adds engine options derived at start (latency, gates). */
  engineOption(fn: (ctx: StartContext) => Partial<StartFeatures>): this {
    this.#mutable('engineOption')
    this.#gatesAndDelayers.push(fn)
    return this
  }

  /** @internal sets an option. */
  set<K extends keyof MockWsOptions>(key: K, value: MockWsOptions[K]): this {
    this.#mutable(String(key))
    this.#options[key] = value
    return this
  }

  /** Starts the server (once); awaiting the builder calls this. */
  start(): Promise<MockWs> {
    this.#started ??= this.#start()
    return this.#started
  }

  then<A = MockWs, B = never>(
    onfulfilled?: ((value: MockWs) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.start().then(onfulfilled, onrejected)
  }

  #scenarioSteps(): Scenario {
    this.#mutable('step')
    if (!this.#steps) {
      const steps = new Scenario()
      this.#steps = steps
      this.#parts.push({ kind: 'compiled', compile: (o) => steps.compile(o) })
    }
    return this.#steps
  }

  #mutable(what: string): void {
    if (this.#started || this.#planned) {
      throw new MockWsError('WSM_CONFIG', `Failed to configure ${what}(): the mock has already started. Chain every step before awaiting mockWs().`)
    }
  }

  /**
   * @internal resolves the options, compiles the script and derives the features, without listening:
   * what `start()` puts on a server, and what `toMswHandler(url, builder)` puts on `ws.link`. Once only.
   */
  plan(): Promise<MockPlan> {
    this.#planned ??= this.#plan()
    return this.#planned
  }

  async #plan(): Promise<MockPlan> {
    const requested = { ...this.#options }
    // The user's options are checked before a plugin's (possibly slow) preparation, then again with its overrides.
    if (this.#plugins.some((p) => p.prepare)) {
      resolveOptions(requested)
      for (const p of this.#plugins) if (p.prepare) Object.assign(requested, await p.prepare(requested))
    }
    const options = resolveOptions(requested)
    // A mock without steps (the default echo) skips the compile and its wait.
    const { script, faker } = this.#parts.length > 0 ? await compileScript(this.#parts, options) : NO_SCRIPT
    const ctx: StartContext = { options, script, faker, ...(this.#echoAfterScript && script ? { echoAfterScript: true } : {}) }
    const plugin = this.#plugins.filter((p) => p.handler).at(-1)
    const handler = plugin?.handler ? await plugin.handler(ctx) : scriptHandler(ctx)
    let features: StartFeatures = { handler }
    for (const fn of this.#gatesAndDelayers) {
      const extra = fn(ctx)
      features = {
        ...features,
        ...extra,
        gates: [...(features.gates ?? []), ...(extra.gates ?? [])],
        observers: [...(features.observers ?? []), ...(extra.observers ?? [])],
      }
    }
    ctx.framesInFlight = features.latency !== undefined || features.dropper !== undefined
    return { options, features, plugins: [...this.#plugins] }
  }

  async #start(): Promise<MockWs> {
    const { options, features, plugins } = await this.plan()
    const mock = await startMock(options, features)
    for (const p of plugins) p.attach?.(mock)
    return mock
  }
}

/**
 * A mock ready to start: its resolved options, the per-connection handler and the features of its builder.
 * @example
 * const { options, features } = await mockWs().latency('fast').plan()
 */
export interface MockPlan {
  options: ResolvedMockWsOptions
  features: StartFeatures
  plugins: readonly BehaviourPlugin[]
}

/**
 * Creates a WebSocket mock on a free loopback port; await it to start (echo unless told otherwise).
 * @example
 * const ws = await mockWs().replay('test/fixtures/chat.jsonl')
 * const client = new WebSocket(ws.url)
 */
export function mockWs(options: MockWsOptions = {}): MockWsBuilder {
  return new MockWsBuilder(options)
}
