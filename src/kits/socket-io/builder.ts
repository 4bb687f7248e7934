import http from 'node:http'
import type { ServerOptions } from 'socket.io'
import { DEFAULT_HOST, DEFAULT_MAX_REGEX_INPUT, DEFAULT_WAIT_TIMEOUT_MS } from '../../constants.js'
import { MockWsError } from '../../errors.js'
import { MessageDropper, type DropMessagesOptions } from '../../latency/faults.js'
import type { LatencyInjector, LatencyInjectorOptions } from '../../latency/injector.js'
import { latencyFactory } from '../../latency/mock-latency.js'
import type { LatencyProfileInput } from '../../latency/profile.js'
import { loadReplay } from '../../replay/load.js'
import type { CompiledReplay, ReplayEntry } from '../../replay/types.js'
import { play, type PlayerSettings } from '../../session/play.js'
import { Session } from '../../session/session.js'
import { concatReplays } from '../../session/script.js'
import { listenOnce } from '../../server/mock-ws.js'
import { assertMockCanStart } from '../../server/registry.js'
import type { JsonValue } from '../../scenario/json-subset.js'
import type { FakerLike } from '../../template/context.js'
import { loadFaker } from '../../template/faker.js'
import { SocketIoConnection } from './connection.js'
import { parseFrame, type ArgsMatcher } from './dialect.js'
import { loadSocketIo } from './load.js'
import { MockSocketIo } from './mock.js'
import { checkStep, compileSocketIoSteps, withFrameTemplates, type SocketIoStep } from './script.js'
import type { SocketIoTransport } from './transport.js'

/** Namespace served by default. */
export const DEFAULT_SOCKET_IO_NAMESPACE = '/'
/** socket.io's own default path, which every client uses unless told otherwise. */
export const DEFAULT_SOCKET_IO_PATH = '/socket.io'

/**
 * Options of `mockSocketIo()`; heartbeats and transports are socket.io's defaults unless set.
 * @example
 * await mockSocketIo({ namespace: '/chat', pingInterval: 200, pingTimeout: 400, strict: true })
 */
export interface MockSocketIoOptions {
  /** Namespace the script plays on (default `/`); clients connect to `io.url + namespace`. */
  namespace?: string
  /** socket.io path (default `/socket.io`). */
  path?: string
  /** Bind address (default `127.0.0.1`). */
  host?: string
  /** Port (default 0: one the OS picks). */
  port?: number
  /** engine.io heartbeat interval, ms (socket.io's default 25000). */
  pingInterval?: number
  /** engine.io heartbeat timeout, ms (socket.io's default 20000). */
  pingTimeout?: number
  /** CORS of the polling transport (default: any origin). */
  cors?: ServerOptions['cors']
  /** Make `close()` reject when there were scenario failures (default false). */
  strict?: boolean
  /** Whether client events nothing waits for are failures (default: `fail` when strict, else `ignore`). */
  unexpected?: 'fail' | 'ignore'
  /** Default wait of `expectEmit`/`waitFor`/ack expectations, ms (default 5000). */
  timeoutMs?: number
  /** Makes `{{uuid}}`, `{{randInt}}`, … and latency draws reproducible. */
  seed?: number
  /** Clock of `{{now}}` tokens (default `Date.now`). */
  now?: () => number
  /** Divides every gap of the script (default 1). */
  speed?: number
  /** Expand template tokens in the strings of emitted arguments (default true). */
  expandTemplates?: boolean
  /** Further `socket.io` Server options, passed as they are (the ones above win). */
  serverOptions?: Partial<ServerOptions>
}

/** Options of `expectEmit`. */
export interface ExpectEmitOptions {
  /** Answer the client's ack callback with these arguments (the emit must carry one). */
  ack?: JsonValue[]
  /** ms this wait may take (default: the mock's `timeoutMs`). */
  timeoutMs?: number
}

/** Options of `emitWithAck`. */
export interface EmitWithAckOptions {
  /** The ack's arguments (JSON subsets, same count); another ack is a failure. Absent: any ack. */
  expect?: JsonValue[]
  /** How long the client may take to ack, ms (default: the mock's `timeoutMs`). */
  timeoutMs?: number
}

type Part = { kind: 'steps'; steps: SocketIoStep[] } | { kind: 'replay'; source: string | readonly ReplayEntry[] | URL }

function configError(cause: string, hint: string): MockWsError {
  return new MockWsError('WSM_CONFIG', `Failed to configure mockSocketIo(): ${cause}. ${hint}`)
}

function checkOptions(options: MockSocketIoOptions): void {
  const problems: string[] = []
  const positive = (name: keyof MockSocketIoOptions, allowZero = false): void => {
    const v = options[name]
    if (v === undefined) return
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) problems.push(`${name} must be a finite number ${allowZero ? '>= 0' : '> 0'} (got ${String(v)})`)
  }
  for (const name of ['pingInterval', 'pingTimeout', 'timeoutMs', 'speed'] as const) positive(name)
  positive('port', true)
  if (options.namespace !== undefined && (typeof options.namespace !== 'string' || !options.namespace.startsWith('/'))) problems.push(`namespace must start with "/" (got ${JSON.stringify(options.namespace)})`)
  if (options.path !== undefined && (typeof options.path !== 'string' || !options.path.startsWith('/'))) problems.push(`path must start with "/" (got ${JSON.stringify(options.path)})`)
  if (options.unexpected !== undefined && options.unexpected !== 'fail' && options.unexpected !== 'ignore') problems.push(`unexpected must be 'fail' or 'ignore' (got ${JSON.stringify(options.unexpected)})`)
  if (problems.length > 0) {
    throw configError(`${problems.length} problem${problems.length === 1 ? '' : 's'} in the options:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`, 'Fix them, or leave them out for the defaults.')
  }
}

/** Checks that every `out` text of a replay is a frame of the dialect, naming file:line. */
function checkDialect(replay: CompiledReplay): void {
  const problems: string[] = []
  for (const step of replay.steps) {
    if (step.dir !== 'out' || step.text === undefined) continue
    try {
      parseFrame(step.text)
    } catch (error) {
      problems.push(`  ${step.origin.file}:${step.origin.line}: ${(error as Error).message}`)
    }
  }
  if (problems.length > 0) {
    throw new MockWsError('WSM_REPLAY_PARSE', `Failed to load Socket.IO replay ${replay.source}: ${problems.length} entr${problems.length === 1 ? 'y is' : 'ies are'} not Socket.IO frames.\n${problems.join('\n')}`)
  }
}

/**
 * Configures a Socket.IO mock fluently; awaiting it starts a real `socket.io` server (`PromiseLike<MockSocketIo>`).
 * @example
 * const io = await mockSocketIo().expectEmit('join', { room: 'lobby' }).emit('welcome', { user: '{{uuid}}' })
 */
export class MockSocketIoBuilder implements PromiseLike<MockSocketIo> {
  #options: MockSocketIoOptions
  #parts: Part[] = []
  #latency: ((seed: number | undefined) => LatencyInjector) | undefined
  #drop: { probability: number; opts: DropMessagesOptions } | undefined
  #started: Promise<MockSocketIo> | undefined

  constructor(options: MockSocketIoOptions = {}) {
    checkOptions(options)
    this.#options = { ...options }
  }

  /** Waits for the client to emit `event` with arguments matching `args`; with `ack`, answers its ack callback. */
  expectEmit(event: string, args?: ArgsMatcher, opts: ExpectEmitOptions = {}): this {
    return this.#step({ kind: 'expectEmit', event, args: structuredClone(args), ...(opts.ack !== undefined ? { ack: structuredClone(opts.ack) } : {}), ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) })
  }

  /** Waits for a client event matching, skipping other events. */
  waitFor(event: string, args?: ArgsMatcher, opts: { timeoutMs?: number } = {}): this {
    return this.#step({ kind: 'waitFor', event, args: structuredClone(args), ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) })
  }

  /** Emits `event` to the client; template tokens in strings are expanded, Buffers travel as binary attachments. */
  emit(event: string, ...args: unknown[]): this {
    return this.#step({ kind: 'emit', event, args })
  }

  /** Emits `event` asking for an ack and waits for it; with `expect`, another ack is a failure. */
  emitWithAck(event: string, args: unknown[] = [], opts: EmitWithAckOptions = {}): this {
    return this.#step({ kind: 'emitWithAck', event, args, ...(opts.expect !== undefined ? { expect: structuredClone(opts.expect) } : {}), ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) })
  }

  /** Waits `ms` before the next step. */
  delay(ms: number): this {
    return this.#step({ kind: 'delay', ms })
  }

  /** Disconnects the socket from the server side: the client sees `io server disconnect` (and does not reconnect). */
  disconnect(): this {
    return this.#step({ kind: 'disconnect' })
  }

  /**
   * Drops the underlying transport at this point: the client sees `transport close` (and reconnects).
   * @example
   * await mockSocketIo().emit('partial', 1).dropConnection()
   */
  dropConnection(): this {
    return this.#step({ kind: 'drop' })
  }

  /** Plays replay entries of the Socket.IO dialect (a file path, JSON Lines text or entries, e.g. from `toReplay()`). */
  replay(source: string | readonly ReplayEntry[] | URL): this {
    this.#mutable('replay')
    this.#parts.push({ kind: 'replay', source })
    return this
  }

  /**
   * Delays events by draws from a latency profile (server→client unless `direction` says otherwise), never reordering them.
   * @example
   * await mockSocketIo({ seed: 1 }).latency('4g').emit('tick', 1)
   */
  latency(profile: LatencyProfileInput | LatencyInjector, opts: LatencyInjectorOptions = {}): this {
    this.#mutable('latency')
    this.#latency = latencyFactory(profile, opts)
    return this
  }

  /**
   * Loses each server→client event with `probability` (0 to 1); lost events are not in the transcript.
   * @example
   * await mockSocketIo({ seed: 7 }).dropMessages(0.5)
   */
  dropMessages(probability: number, opts: DropMessagesOptions = {}): this {
    this.#mutable('dropMessages')
    new MessageDropper(probability, opts) // validates now, rather than when the mock starts
    this.#drop = { probability, opts }
    return this
  }

  /** The builder's steps as replay entries of the Socket.IO dialect (regexes looser than the in-memory matchers). */
  toReplay(): ReplayEntry[] {
    return this.#parts.flatMap((p) => (p.kind === 'steps' ? compileSocketIoSteps(p.steps, this.#options.expandTemplates ?? true).entries : []))
  }

  /** Starts the server (once); awaiting the builder calls this. */
  start(): Promise<MockSocketIo> {
    this.#started ??= this.#start()
    return this.#started
  }

  then<A = MockSocketIo, B = never>(
    onfulfilled?: ((value: MockSocketIo) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.start().then(onfulfilled, onrejected)
  }

  #step(step: SocketIoStep): this {
    this.#mutable(step.kind)
    checkStep(step)
    const last = this.#parts.at(-1)
    if (last?.kind === 'steps') last.steps.push(step)
    else this.#parts.push({ kind: 'steps', steps: [step] })
    return this
  }

  #mutable(what: string): void {
    if (this.#started) throw configError(`${what}() was called after the mock started`, 'Chain every step before awaiting mockSocketIo().')
  }

  async #compile(): Promise<{ script: CompiledReplay | undefined; faker: FakerLike | undefined }> {
    if (this.#parts.length === 0) return { script: undefined, faker: undefined }
    const expand = this.#options.expandTemplates ?? true
    const compiled: CompiledReplay[] = []
    for (const part of this.#parts) {
      if (part.kind === 'steps') {
        compiled.push(compileSocketIoSteps(part.steps, expand).replay)
      } else {
        // Templates are expanded per JSON string of a frame, so the file's texts are loaded as written.
        const replay = withFrameTemplates(await loadReplay(part.source, { expandTemplates: false }), expand)
        checkDialect(replay)
        compiled.push(replay)
      }
    }
    const script = concatReplays(compiled)
    const faker = script.usesFaker && expand ? await loadFaker(this.#options.seed) : undefined
    return { script, faker }
  }

  async #start(): Promise<MockSocketIo> {
    const options = this.#options
    // The runner integration may refuse mocks nothing would close (Jest with injectGlobals: false).
    assertMockCanStart()
    const { script, faker } = await this.#compile()
    const { Server } = await loadSocketIo()
    const host = options.host ?? DEFAULT_HOST
    const path = options.path ?? DEFAULT_SOCKET_IO_PATH
    const namespace = options.namespace ?? DEFAULT_SOCKET_IO_NAMESPACE
    const httpServer = http.createServer()
    const server = new Server(httpServer, {
      ...options.serverOptions,
      path,
      cors: options.cors ?? { origin: '*' },
      ...(options.pingInterval !== undefined ? { pingInterval: options.pingInterval } : {}),
      ...(options.pingTimeout !== undefined ? { pingTimeout: options.pingTimeout } : {}),
    })
    const port = await listenOnce(httpServer, host, options.port ?? 0).catch(async (error: NodeJS.ErrnoException) => {
      await new Promise<void>((resolve) => void server.close(() => resolve()))
      throw new MockWsError('WSM_SERVER_START', `Failed to start mockSocketIo() on ${host}:${options.port ?? 0}: ${error.message}.${error.code === 'EADDRINUSE' ? ' Use port 0 to take a free port.' : ''}`, { cause: error })
    })
    const injector = this.#latency?.(options.seed)
    const drop = this.#drop
    const strict = options.strict ?? false
    const settings: PlayerSettings = {
      seed: options.seed,
      now: options.now,
      speed: options.speed ?? 1,
      timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS,
      unexpected: options.unexpected ?? (strict ? 'fail' : 'ignore'),
      maxRegexInput: DEFAULT_MAX_REGEX_INPUT,
    }
    const dropSeed = drop?.opts.seed ?? options.seed
    const session = new Session<SocketIoTransport>({
      // Without a script the mock only records: nothing is echoed.
      handler: script ? (conn, view) => void play(conn, script, settings, view, { faker }) : () => {},
      connection: SocketIoConnection,
      ...(injector ? { latency: injector } : {}),
      ...(drop ? { dropper: new MessageDropper(drop.probability, dropSeed !== undefined ? { seed: dropSeed } : {}) } : {}),
    })
    return new MockSocketIo({ http: httpServer, server, host, port, namespace, path, strict, session, steps: script?.steps ?? [] })
  }
}

/**
 * Creates a Socket.IO mock (a real `socket.io` server on a free loopback port); await it to start.
 * @example
 * const io = await mockSocketIo().expectEmit('chat', { text: 'hi' }, { ack: ['ok'] }).emit('news', 'today')
 * const client = ioClient(io.url)
 */
export function mockSocketIo(options: MockSocketIoOptions = {}): MockSocketIoBuilder {
  return new MockSocketIoBuilder(options)
}
