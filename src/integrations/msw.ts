import { ws, type WebSocketHandler, type WebSocketHandlerConnection } from 'msw'
import { CLOSE_GOING_AWAY } from '../constants.js'
import { MockWsError } from '../errors.js'
import type { LatencyInjector, LatencyInjectorOptions } from '../latency/injector.js'
import { latencyFactory } from '../latency/mock-latency.js'
import type { LatencyProfileInput } from '../latency/profile.js'
import type { ReplayEntry } from '../replay/types.js'
import type { Scenario } from '../scenario/scenario.js'
import { scriptHandler } from '../session/play.js'
import { SessionOwner } from '../session/owner.js'
import { compileScript } from '../session/script.js'
import { Session, type ConnectionHandler } from '../session/session.js'
import type { MockPlan } from '../server/builder.js'
import { assertMockCanStart, closeAllMocks } from '../server/registry.js'
import type { MockWsOptions } from '../server/mock-ws.js'
import { resolveOptions } from '../server/options.js'
import { clockFor } from '../template/clock.js'
import { MswTransport } from './msw-transport.js'

export { MswConnection, MswTransport } from './msw-transport.js'
export { ScenarioFailureError } from '../errors.js'

/**
 * Options of `toMswHandler`: the part of `mockWs()`'s options that means something without a real socket,
 * and `latency` (a profile, preset name or injector, as `mockWs().latency()` takes).
 * @example
 * await toMswHandler('wss://chat.example/ws', scenario, { seed: 42, strict: true, latency: 'fast' })
 */
export interface MswHandlerOptions extends Pick<MockWsOptions, MswOptionName> {
  /** Delays server→client messages by draws from a latency profile, seeded by `seed` (as `mockWs().latency()`). */
  latency?: LatencyProfileInput | LatencyInjector | { profile: LatencyProfileInput; options?: LatencyInjectorOptions }
}

const MSW_OPTIONS = ['expandTemplates', 'seed', 'now', 'strict', 'unexpected', 'timeoutMs', 'speed', 'maxTranscript', 'maxRegexInput', 'clock'] as const
type MswOptionName = (typeof MSW_OPTIONS)[number]

/** A `mockWs()` builder, not awaited: its script, options, latency and drops are played through MSW instead of a server. */
interface PlannableBuilder {
  plan(): Promise<MockPlan>
}

/**
 * What an MSW handler plays on each connection: a `Scenario`, replay entries, JSON Lines text, (in Node) a
 * replay file path or `file:` URL, or a `mockWs()` builder (not awaited) with its latency, `dropMessages`
 * and `dropConnection()`. Nothing (`undefined`) echoes every message back.
 * @example
 * const script: MswScript = [{ ts: 0, dir: 'out', text: 'hello' }]
 */
export type MswScript = Scenario | readonly ReplayEntry[] | string | URL | PlannableBuilder

/**
 * Turns a scenario, replay or `mockWs()` builder into an MSW 2.x `ws.link(url)` handler on the same session and
 * player as `mockWs()`, with a mock-like controller (transcript, failures, matchers) around it. The script is
 * validated before the promise resolves, so a bad replay fails here, never mid-test.
 * @example
 * const chat = await toMswHandler('wss://chat.example/ws', new Scenario().send('{"type":"welcome"}').expect({ type: 'subscribe' }))
 * const server = setupServer(chat.handler)
 * server.listen()
 */
export async function toMswHandler(url: string | RegExp, script?: MswScript, options: MswHandlerOptions = {}): Promise<MswWsMock> {
  if (!(url instanceof RegExp) && (typeof url !== 'string' || url === '')) {
    throw new MockWsError(
      'WSM_CONFIG',
      `Failed to create the MSW handler: the URL must be a non-empty string or a RegExp, got ${url === '' ? 'an empty string' : typeof url}. Pass the URL your code opens, such as "wss://chat.example/ws".`,
    )
  }
  const { latency, ...rest } = options
  const plan = isBuilder(script) ? await planBuilder(script, rest, latency) : await planScript(script, rest, latency)
  if (plan.features.gates?.length || plan.features.maxConnections !== undefined) {
    throw new MockWsError(
      'WSM_CONFIG',
      'Failed to create the MSW handler: failHandshake(), slowHandshake(), maxConnections() and proxy() act on a real HTTP handshake, which MSW does not have. Use mockWs() for them.',
    )
  }
  assertMockCanStart()
  const mock = new MswWsMock(url, plan)
  for (const p of plan.plugins) p.attach?.(mock)
  return mock
}

function isBuilder(script: MswScript | undefined): script is PlannableBuilder {
  return typeof script === 'object' && script !== null && typeof (script as Partial<PlannableBuilder>).plan === 'function'
}

function isScenario(script: MswScript): script is Scenario {
  // Duck-typed so that a Scenario from a second copy of the package works too.
  return typeof script === 'object' && !Array.isArray(script) && !(script instanceof URL) && typeof (script as Scenario).compile === 'function'
}

type LatencyOption = MswHandlerOptions['latency']

function latencyOf(latency: LatencyOption): { profile: LatencyProfileInput | LatencyInjector; options?: LatencyInjectorOptions } {
  if (typeof latency === 'object' && latency !== null && 'profile' in latency) return latency
  return { profile: latency as LatencyProfileInput | LatencyInjector }
}

async function planScript(script: Exclude<MswScript, PlannableBuilder> | undefined, options: Omit<MswHandlerOptions, 'latency'>, latency: LatencyOption): Promise<MockPlan> {
  const resolved = resolveOptions(options, { action: 'create the MSW handler', only: MSW_OPTIONS })
  const makeLatency = latency === undefined ? undefined : latencyFactory(latencyOf(latency).profile, latencyOf(latency).options)
  const parts = script === undefined ? [] : [isScenario(script) ? { kind: 'compiled' as const, compile: (o: Parameters<Scenario['compile']>[0]) => script.compile(o) } : { kind: 'replay' as const, source: script }]
  const { script: compiled, faker } = await compileScript(parts, resolved)
  const handler = scriptHandler({ options: resolved, script: compiled, faker })
  return { options: resolved, features: { handler, ...(makeLatency ? { latency: makeLatency(resolved.seed) } : {}) }, plugins: [] }
}

async function planBuilder(builder: PlannableBuilder, options: Omit<MswHandlerOptions, 'latency'>, latency: LatencyOption): Promise<MockPlan> {
  resolveOptions(options, { action: 'create the MSW handler', only: MSW_OPTIONS })
  const configurable = builder as PlannableBuilder & { set?(key: string, value: unknown): void; latency?(profile: unknown, opts?: unknown): void }
  for (const [key, value] of Object.entries(options)) if (value !== undefined) configurable.set?.(key, value)
  if (latency !== undefined) configurable.latency?.(latencyOf(latency).profile, latencyOf(latency).options)
  return builder.plan()
}

/**
 * Alias of `closeAllMocks()` (MSW mocks are tracked with every other mock): closes every mock not yet closed and
 * rejects with the strict-mode failures of any of them, after all are closed.
 * @example
 * afterEach(() => closeAllMswMocks())
 */
export const closeAllMswMocks: () => Promise<void> = closeAllMocks

/**
 * An MSW WebSocket handler with the controller of a `MockWs`: `handler` goes to `setupServer`/`setupWorker`,
 * and the rest (transcript, failures, metrics, `nextMessage`, `close()`) reads like a real-socket mock,
 * so the mockforge-ws matchers work on it. There is no port: only clients that use the global `WebSocket`
 * MSW patched reach it.
 * @example
 * const chat = await toMswHandler('wss://chat.example/ws')
 * const server = setupServer(chat.handler); server.listen()
 * await expect(chat).toReceiveMessage('hello')
 */
export class MswWsMock extends SessionOwner<MswTransport> {
  /** The MSW handler: pass it to `setupServer(…)`, `setupWorker(…)` or `server.use(…)`. */
  readonly handler: WebSocketHandler
  /** The URL intercepted (a RegExp is shown as `/source/flags`). */
  readonly url: string
  /** Path of the intercepted URL (`'*'` for a RegExp or a URL that does not parse). */
  readonly path: string
  #seen = new WeakSet<object>()

  /** @internal use `toMswHandler()` */
  constructor(url: string | RegExp, plan: MockPlan) {
    const { options, features } = plan
    super(
      new Session<MswTransport>({
        // The builder's handlers take any connection; the proxy (the one that needs a `ws` socket) was refused above.
        handler: features.handler as unknown as ConnectionHandler<MswTransport>,
        ...(options.maxTranscript !== undefined ? { maxTranscript: options.maxTranscript } : {}),
        ...(features.latency ? { latency: features.latency } : {}),
        ...(features.dropper ? { dropper: features.dropper } : {}),
        ...(features.observers?.length ? { observers: features.observers } : {}),
        clock: clockFor(options.clock),
      }),
      options.strict,
    )
    this.url = String(url)
    this.path = url instanceof RegExp ? '*' : pathOf(url)
    this.handler = ws.link(url).addEventListener('connection', (connection) => this.#accept(connection))
  }

  /**
   * Closes every connection (1001) and stops every timer. The handler stays installed until MSW's
   * `resetHandlers()`/`close()`: clients that connect later are closed with 1001 at once.
   */
  protected shutdown(): Promise<void> {
    return this.session.close()
  }

  #accept(connection: WebSocketHandlerConnection): void {
    // MSW can hand the same client over twice (the handler listed twice, or a second MSW server); play it once.
    if (this.#seen.has(connection.client)) return
    this.#seen.add(connection.client)
    // After close(), refuse before the client opens, as a closing server would.
    if (this.session.shuttingDown) connection.client.close(CLOSE_GOING_AWAY, 'mock server is closing')
    else this.session.accept(new MswTransport(connection))
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname
  } catch {
    return '*'
  }
}

