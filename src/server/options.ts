import { DEFAULT_HOST, DEFAULT_MAX_REGEX_INPUT, DEFAULT_PATH, DEFAULT_WAIT_TIMEOUT_MS } from '../constants.js'
import { MockWsError } from '../errors.js'
import { showValue } from '../session/describe.js'
import type http from 'node:http'
import type { ClockKind } from '../template/clock.js'
import type { EngineObserver } from './observer.js'

/**
 * Options of `mockWs()`.
 * @example
 * await mockWs({ path: '/socket', seed: 42, strict: true })
 */
export interface MockWsOptions {
  /** 0 (default) = OS-assigned; a number is a preferred port, falling back to a free one unless `strictPort`. */
  port?: number
  /** Fail instead of falling back when the preferred `port` is taken. */
  strictPort?: boolean
  /** Bind address (default `127.0.0.1`). */
  host?: string
  /** WebSocket path (default `/ws`; `'*'` accepts any path; `{name}` matches any one segment, e.g. `/rooms/{room}`). */
  path?: string
  /** Expand template tokens in `out` entries (default true). */
  expandTemplates?: boolean
  /** Makes `{{uuid}}`, `{{randInt}}`, … and latency sampling reproducible. */
  seed?: number
  /** Clock for `{{now}}` tokens (default `Date.now` of the mock's `clock`). */
  now?: () => number
  /** Make `close()` reject when there were scenario failures (default false). */
  strict?: boolean
  /** Whether client messages nothing waits for are failures (default: `fail` when strict, else `ignore`). */
  unexpected?: 'fail' | 'ignore'
  /** Default wait for `expect`/`waitFor`/`in` entries, ms (default 5000). */
  timeoutMs?: number
  /** Largest frame accepted from a client, bytes; larger frames close the connection with 1009. */
  maxPayload?: number
  /** Subprotocols accepted (the first the client offers that is listed). */
  protocols?: string[]
  /** Divides every gap of replay files (default 1). */
  speed?: number
  /** Frames kept in the transcript before the oldest are dropped. */
  maxTranscript?: number
  /**
   * Longest client message (UTF-16 code units) a quadratic `waitFor`/`match` regex is run against (default 2000);
   * longer messages are not matched by it and give a failure saying why. Linear patterns run on any message.
   */
  maxRegexInput?: number
  /**
   * Bytes a connection may have waiting to be sent (the client does not read) before the next send closes it
   * with 1008 and a `send-failed` failure (default 8 MiB). Replays pause above 1 MiB until the client reads.
   */
  maxBufferedBytes?: number
  /** Engine observers of your own (spans, metrics, logging), in addition to the built-in telemetry. */
  observers?: EngineObserver[]
  /** Built-in OpenTelemetry spans and Prometheus metrics (default true; spans are no-ops without a tracer provider). */
  telemetry?: boolean
  /** Serves plain HTTP requests on the same port; return true when handled (the CLI's `/metrics`). */
  httpHandler?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean | Promise<boolean>
  /**
   * Timers and clock of script delays, waits, latency and `{{now}}`: `'real'` (default) ignores the test's fake
   * timers; `'fake'` follows them (see docs/fake-timers.md).
   */
  clock?: ClockKind
}

/**
 * `MockWsOptions` with every default filled in: what the server, the player and the plugins read.
 * @example
 * const resolved: ResolvedMockWsOptions = resolveOptions({ seed: 1 })
 * resolved.timeoutMs // 5000
 */
export type ResolvedMockWsOptions = MockWsOptions & Required<Pick<MockWsOptions, DefaultedOption>>

/** The options `resolveOptions` always sets. */
type DefaultedOption = 'port' | 'strictPort' | 'host' | 'path' | 'expandTemplates' | 'strict' | 'unexpected' | 'timeoutMs' | 'speed' | 'telemetry' | 'maxRegexInput' | 'clock'

const MAX_PORT = 65535
/** Subprotocol names are HTTP tokens (RFC 6455 §4.1, RFC 7230 §3.2.6). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

type Check = (value: unknown) => string | undefined

const positiveFinite: Check = (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? undefined : 'must be a finite number > 0')
const positiveInteger: Check = (v) => (typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? undefined : 'must be an integer > 0')
const boolean: Check = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false')
const fn: Check = (v) => (typeof v === 'function' ? undefined : 'must be a function')

/** One rule per option; the order is the order of `MockWsOptions`, so messages list them as documented. */
const CHECKS: { readonly [K in keyof MockWsOptions]-?: Check } = {
  port: (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_PORT ? undefined : `must be an integer from 0 to ${MAX_PORT}`),
  strictPort: boolean,
  host: (v) => (typeof v === 'string' && v.trim() !== '' ? undefined : 'must be a non-empty host name or address'),
  path: (v) => (typeof v === 'string' && (v === '*' || v.startsWith('/')) ? undefined : 'must start with "/" (or be "*" for any path)'),
  expandTemplates: boolean,
  seed: (v) => (typeof v === 'number' && Number.isFinite(v) ? undefined : 'must be a finite number'),
  now: fn,
  strict: boolean,
  unexpected: (v) => (v === 'fail' || v === 'ignore' ? undefined : `must be 'fail' or 'ignore'`),
  timeoutMs: positiveFinite,
  maxPayload: positiveInteger,
  protocols: (v) =>
    Array.isArray(v) && v.every((p) => typeof p === 'string' && TOKEN.test(p))
      ? undefined
      : 'must be an array of subprotocol names (letters, digits and !#$%&\'*+-.^_`|~, no spaces or commas)',
  speed: positiveFinite,
  maxTranscript: positiveInteger,
  maxRegexInput: positiveInteger,
  maxBufferedBytes: positiveInteger,
  observers: (v) => (Array.isArray(v) && v.every((o) => typeof o === 'object' && o !== null) ? undefined : 'must be an array of observer objects'),
  telemetry: boolean,
  httpHandler: fn,
  clock: (v) => (v === 'real' || v === 'fake' ? undefined : `must be 'real' or 'fake'`),
}

/** Every option of `MockWsOptions`, in documented order (each has a check and a row in docs/fixtures.md). */
export const OPTION_NAMES: readonly (keyof MockWsOptions)[] = Object.freeze(Object.keys(CHECKS) as (keyof MockWsOptions)[])

/**
 * Lists what is wrong with `options`, one "NAME must … (got VALUE)" line each; empty when all is well.
 * Options left `undefined` take their defaults and are never a problem.
 */
export function optionProblems(options: MockWsOptions, only?: readonly (keyof MockWsOptions)[]): string[] {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    return [`options must be an object (got ${showValue(options)})`]
  }
  const problems: string[] = []
  for (const name of OPTION_NAMES) {
    if (only && !only.includes(name)) continue
    const value = options[name]
    if (value === undefined) continue
    const problem = CHECKS[name](value)
    if (problem) problems.push(`${name} ${problem} (got ${showValue(value)})`)
  }
  return problems
}

/**
 * Checks every option before anything starts and fills in every default in one place; throws one
 * `MockWsError` (`WSM_CONFIG`) listing all the problems. `action` names what failed ("Failed to <action>: …",
 * default `start mock`); `only` lists the options that entry point takes (default: all).
 */
export function resolveOptions(options: MockWsOptions = {}, opts: { action?: string; only?: readonly (keyof MockWsOptions)[] } = {}): ResolvedMockWsOptions {
  const problems = optionProblems(options, opts.only)
  if (problems.length > 0) {
    const count = problems.length === 1 ? '1 invalid option' : `${problems.length} invalid options`
    throw new MockWsError(
      'WSM_CONFIG',
      `Failed to ${opts.action ?? 'start mock'}: ${count}: ${problems.join('; ')}. Fix them, or leave them out for the defaults (docs/fixtures.md#options).`,
    )
  }
  const strict = options.strict ?? false
  return {
    ...options,
    port: options.port ?? 0,
    strictPort: options.strictPort ?? false,
    host: options.host ?? DEFAULT_HOST,
    path: options.path ?? DEFAULT_PATH,
    expandTemplates: options.expandTemplates ?? true,
    strict,
    unexpected: options.unexpected ?? (strict ? 'fail' : 'ignore'),
    timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS,
    speed: options.speed ?? 1,
    telemetry: options.telemetry ?? true,
    maxRegexInput: options.maxRegexInput ?? DEFAULT_MAX_REGEX_INPUT,
    clock: options.clock ?? 'real',
  }
}
