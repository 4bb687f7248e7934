import { ws, type WebSocketHandler, type WebSocketHandlerConnection } from 'msw'
import { transcriptToReplay } from '../replay/record-transform.js'
import { CLOSE_GOING_AWAY, DEFAULT_MAX_TRANSCRIPT, DEFAULT_NEXT_TIMEOUT_MS, MAX_FAILURES } from '../constants.js'
import { MockWsError } from '../errors.js'
import { loadReplay } from '../replay/load.js'
import { playReplay } from '../replay/player.js'
import { toJSONL } from '../replay/serialize.js'
import type { CompiledReplay, ReplayEntry } from '../replay/types.js'
import type { Scenario } from '../scenario/scenario.js'
import type { WsData } from '../server/connection.js'
import type { MockWsMetrics } from '../server/engine.js'
import { formatFailureReport } from '../server/failure-report.js'
import { MessageQueue } from '../server/message-queue.js'
import { assertMockCanStart, closeAllMocks, trackMock } from '../server/registry.js'
import type { MockWsOptions, NextOptions, ToReplayOptions } from '../server/mock-ws.js'
import type { ScenarioFailure, TranscriptFrame } from '../server/types.js'
import { resolveOptions, type ResolvedMockWsOptions } from '../server/options.js'
import { MESSAGE_STREAM, MessageStream } from '../session/message-stream.js'
import { clockFor, type Clock } from '../template/clock.js'
import { createTemplateContext, type FakerLike } from '../template/context.js'
import { loadFaker } from '../template/faker.js'
import { MswConnection, type MswConnectionSink } from './msw-connection.js'

export { MswConnection } from './msw-connection.js'

/** Close reason sent to clients when the mock closes. */
const CLOSED_REASON = 'mock server closed'
/** Close reason sent to clients that connect after the mock closed (while its handler is still installed). */
const CLOSING_REASON = 'mock server is closing'

/**
 * Options of `toMswHandler`: the part of `mockWs()`'s options that means something without a real socket.
 * @example
 * await toMswHandler('wss://chat.example/ws', scenario, { seed: 42, strict: true })
 */
export type MswHandlerOptions = Pick<MockWsOptions, MswOptionName>

type MswOptionName = 'expandTemplates' | 'seed' | 'now' | 'strict' | 'unexpected' | 'timeoutMs' | 'speed' | 'maxTranscript' | 'maxRegexInput' | 'clock'
const MSW_OPTIONS: readonly MswOptionName[] = ['expandTemplates', 'seed', 'now', 'strict', 'unexpected', 'timeoutMs', 'speed', 'maxTranscript', 'maxRegexInput', 'clock']
/** MSW handler options, checked, with the same defaults as `mockWs()`. */
type ResolvedMswOptions = MswHandlerOptions & Pick<ResolvedMockWsOptions, 'expandTemplates' | 'strict' | 'unexpected' | 'timeoutMs' | 'speed' | 'maxRegexInput'>

/**
 * What an MSW handler plays on each connection: a `Scenario`, replay entries, JSON Lines text,
 * or (in Node) a replay file path or `file:` URL. Nothing (`undefined`) echoes every message back.
 * @example
 * const script: MswScript = [{ ts: 0, dir: 'out', text: 'hello' }]
 */
export type MswScript = Scenario | readonly ReplayEntry[] | string | URL

/**
 * Turns a scenario or replay into an MSW 2.x `ws.link(url)` handler played by the same player as `mockWs()`,
 * with a mock-like controller (transcript, failures, matchers) around it. The script is validated before
 * the promise resolves, so a bad replay fails here, never mid-test.
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
  const resolved = resolveOptions(options, { action: 'create the MSW handler', only: MSW_OPTIONS })
  const { replay, faker } = await compileMswScript(script, resolved)
  assertMockCanStart()
  return new MswWsMock(url, replay, faker, resolved)
}

/**
 * Alias of `closeAllMocks()` (MSW mocks are tracked with every other mock): closes every mock not yet closed and
 * rejects with the strict-mode failures of any of them, after all are closed.
 * @example
 * afterEach(() => closeAllMswMocks())
 */
export const closeAllMswMocks: () => Promise<void> = closeAllMocks

function isScenario(script: MswScript): script is Scenario {
  // Duck-typed so that a Scenario from a second copy of the package works too.
  return typeof script === 'object' && !Array.isArray(script) && !(script instanceof URL) && typeof (script as Scenario).compile === 'function'
}

async function compileMswScript(script: MswScript | undefined, options: ResolvedMswOptions): Promise<{ replay: CompiledReplay | undefined; faker: FakerLike | undefined }> {
  if (script === undefined) return { replay: undefined, faker: undefined }
  const expandTemplates = options.expandTemplates
  const replay = isScenario(script)
    ? script.compile({ expandTemplates })
    : await loadReplay(script, { expandTemplates, ...(options.seed !== undefined ? { seed: options.seed } : {}) })
  if (!replay.usesFaker || !expandTemplates) return { replay, faker: undefined }
  const faker = await loadFaker(options.seed)
  // A scenario's faker paths are checked against a real faker before the handler exists, as mockWs() does.
  return { replay: isScenario(script) ? script.compile({ expandTemplates, faker }) : replay, faker }
}

/**
 * Derives a distinct, reproducible seed per connection, exactly as `mockWs()` does (the same seed gives the
 * same `{{uuid}}`s through both); kept here because the core's copy lives in a module that imports Node's http.
 */
function connectionSeed(seed: number | undefined, id: number): number | undefined {
  if (seed === undefined) return undefined
  return (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(id, 0x85ebca6b)) >>> 0
}

/** The strict-mode error of an MSW mock: the same name, code and report as the core's `ScenarioFailureError`. */
class MswScenarioFailureError extends MockWsError {
  readonly failures: readonly ScenarioFailure[]
  constructor(failures: readonly ScenarioFailure[], transcript: readonly TranscriptFrame[], dropped = 0) {
    super('WSM_STRICT_FAILURES', formatFailureReport(failures, transcript, { dropped }))
    this.name = 'ScenarioFailureError'
    this.failures = failures
  }
}

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
export class MswWsMock {
  /** The MSW handler: pass it to `setupServer(…)`, `setupWorker(…)` or `server.use(…)`. */
  readonly handler: WebSocketHandler
  /** The URL intercepted (a RegExp is shown as `/source/flags`). */
  readonly url: string
  /** Path of the intercepted URL (`'*'` for a RegExp or a URL that does not parse). */
  readonly path: string
  /** Resolves with the first connection. */
  readonly connected: Promise<MswConnection>
  #connections: MswConnection[] = []
  #transcript: TranscriptFrame[] = []
  #failures: ScenarioFailure[] = []
  /** @internal the clock of the mock's delays and waits (the `clock` option); the matchers wait with it. */
  readonly clock: Clock
  #messageStream: MessageStream
  #connectionQueue: MessageQueue<MswConnection>
  #counters: MockWsMetrics = {
    connectionsActive: 0,
    connectionsTotal: 0,
    messagesIn: 0,
    messagesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    errors: 0,
    transcriptDropped: 0,
    failuresDropped: 0,
  }
  #replay: CompiledReplay | undefined
  #faker: FakerLike | undefined
  #options: ResolvedMswOptions
  #maxTranscript: number
  #nextId = 1
  #seen = new WeakSet<object>()
  #shuttingDown = false
  #closing: Promise<void> | undefined
  #resolveFirst!: (conn: MswConnection) => void
  #untrack: () => void

  /** @internal use `toMswHandler()` */
  constructor(url: string | RegExp, replay: CompiledReplay | undefined, faker: FakerLike | undefined, options: ResolvedMswOptions) {
    this.url = String(url)
    this.path = url instanceof RegExp ? '*' : pathOf(url)
    this.#replay = replay
    this.#faker = faker
    this.#options = { ...options }
    this.clock = clockFor(options.clock)
    this.#connectionQueue = new MessageQueue<MswConnection>(this.clock)
    this.#maxTranscript = options.maxTranscript ?? DEFAULT_MAX_TRANSCRIPT
    this.#messageStream = new MessageStream({ limit: this.#maxTranscript, clock: this.clock })
    this.connected = new Promise((resolve) => (this.#resolveFirst = resolve))
    this.handler = ws.link(url).addEventListener('connection', (connection) => this.#accept(connection))
    this.#untrack = trackMock(this)
  }

  /** Live connections, in order of arrival. */
  get connections(): readonly MswConnection[] {
    return this.#connections
  }

  /** Every frame both ways, all connections. */
  get transcript(): readonly TranscriptFrame[] {
    return this.#transcript
  }

  /** Client → server frames. */
  get received(): TranscriptFrame[] {
    return this.#transcript.filter((f) => f.dir === 'in' && !f.close)
  }

  /** Server → client frames. */
  get sent(): TranscriptFrame[] {
    return this.#transcript.filter((f) => f.dir === 'out' && !f.close)
  }

  /** Scenario failures so far. */
  get failures(): readonly ScenarioFailure[] {
    return this.#failures
  }

  /** Snapshot of the counters. */
  get metrics(): MockWsMetrics {
    return { ...this.#counters }
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closing !== undefined
  }

  /** Resolves with the next connection not yet taken by an earlier call (works repeatedly). */
  nextConnection(opts: NextOptions = {}): Promise<MswConnection> {
    return this.#connectionQueue.take(opts.timeout ?? DEFAULT_NEXT_TIMEOUT_MS, `a connection to ${this.url}`)
  }

  /** @internal the stream `nextMessage()` and the `toReceiveMessage` matchers take client messages from. */
  get [MESSAGE_STREAM](): MessageStream {
    return this.#messageStream
  }

  /** Resolves with the next client message (any connection) not yet taken by an earlier call (`nextMessage` or `toReceiveMessage`). */
  async nextMessage(opts: NextOptions = {}): Promise<string | Uint8Array> {
    const message = await this.#messageStream.take({ timeoutMs: opts.timeout ?? DEFAULT_NEXT_TIMEOUT_MS, describe: `a client message on ${this.url}` })
    return message.data
  }

  /** Sends to the newest connection. */
  send(data: WsData): void {
    const newest = this.#connections.at(-1)
    if (!newest) throw new MockWsError('WSM_CLOSED', `Failed to send: no client is connected to ${this.url}. Await chat.connected first.`)
    newest.send(data)
  }

  /** Sends to every live connection. */
  broadcast(data: WsData): void {
    for (const conn of this.#connections) conn.send(data)
  }

  /** The recorded traffic of one connection (default: the first) as replay entries, ready to save as a fixture. */
  toReplay(opts: ToReplayOptions = {}): ReplayEntry[] {
    return transcriptToReplay(this.#transcript, opts)
  }

  /** The recorded traffic of one connection as JSON Lines. */
  toJSONL(opts: ToReplayOptions = {}): string {
    return toJSONL(this.toReplay(opts))
  }

  /**
   * Closes every connection (1001) and stops every timer; in strict mode rejects with a report of the
   * scenario failures. The handler stays installed until MSW's `resetHandlers()`/`close()`: clients that
   * connect later are closed with 1001 at once.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    this.#shuttingDown = true
    try {
      const open = [...this.#connections]
      for (const conn of open) conn.closeForShutdown(CLOSE_GOING_AWAY, CLOSED_REASON)
      await Promise.all(open.map((conn) => conn.closed))
      const closedError = new MockWsError('WSM_CLOSED', 'Failed to wait: the mock was closed. Await messages before closing it.')
      this.#messageStream.close(closedError)
      this.#connectionQueue.close(closedError)
    } finally {
      this.#untrack()
    }
    if (this.#options.strict && this.#failures.length > 0) throw new MswScenarioFailureError(this.#failures, this.#transcript, this.#counters.failuresDropped)
  }

  #accept(connection: WebSocketHandlerConnection): void {
    // MSW can hand the same client over twice (the handler listed twice, or a second MSW server); play it once.
    if (this.#seen.has(connection.client)) return
    this.#seen.add(connection.client)
    if (this.#shuttingDown) {
      connection.client.close(CLOSE_GOING_AWAY, CLOSING_REASON)
      return
    }
    const conn = new MswConnection({ id: this.#nextId++, connection, sink: this.#sink, clock: this.clock })
    this.#connections.push(conn)
    this.#counters.connectionsActive++
    this.#counters.connectionsTotal++
    if (this.#replay) this.#play(conn, this.#replay)
    else conn.onMessage((message) => conn.send(message.data))
    if (conn.id === 1) this.#resolveFirst(conn)
    this.#connectionQueue.push(conn)
  }

  #play(conn: MswConnection, replay: CompiledReplay): void {
    const options = this.#options
    const context = createTemplateContext({
      ...(options.seed !== undefined ? { seed: connectionSeed(options.seed, conn.id) } : {}),
      now: options.now ?? this.clock.dateNow,
      ...(this.#faker ? { faker: this.#faker } : {}),
    })
    void playReplay(conn, replay, {
      speed: options.speed,
      timeoutMs: options.timeoutMs,
      context,
      unexpected: options.unexpected,
      onFailure: (failure) => this.#addFailure(failure),
      isShuttingDown: () => this.#shuttingDown,
      maxRegexInput: options.maxRegexInput,
    })
  }

  // Bounded as the real-socket engine bounds it: the first MAX_FAILURES are kept, later ones counted.
  #addFailure(failure: ScenarioFailure): void {
    if (this.#failures.length < MAX_FAILURES) this.#failures.push(failure)
    else this.#counters.failuresDropped++
  }

  // The bookkeeping the real-socket engine does, kept off the public surface of the mock.
  #sink: MswConnectionSink = {
    record: (frame) => {
      this.#transcript.push(frame)
      // Drop the oldest frames in batches, as the real-socket engine does, so a long run stays bounded.
      if (this.#transcript.length > this.#maxTranscript + Math.ceil(this.#maxTranscript / 10)) {
        const excess = this.#transcript.length - this.#maxTranscript
        this.#transcript.splice(0, excess)
        this.#counters.transcriptDropped += excess
      }
    },
    inbound: (_conn, message, size) => {
      this.#counters.messagesIn++
      this.#counters.bytesIn += size
      this.#messageStream.push(message)
    },
    outbound: (_conn, size) => {
      this.#counters.messagesOut++
      this.#counters.bytesOut += size
    },
    error: () => {
      this.#counters.errors++
    },
    closed: (conn) => {
      const at = this.#connections.indexOf(conn)
      if (at >= 0) this.#connections.splice(at, 1)
      this.#counters.connectionsActive--
    },
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname
  } catch {
    return '*'
  }
}

