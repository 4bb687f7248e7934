import { MockWsError } from '../errors.js'
import { toBase64, utf8Length } from '../replay/bytes.js'
import { compileEntries, parseReplay, toJSONL } from '../replay/parse.js'
import type { CompiledReplay, PlayStep, ReplayEntry } from '../replay/types.js'
import type { FakerLike } from '../template/context.js'
import { CAPTURE_NAME, parseCapturePath } from '../replay/capture-path.js'
import { escapeRegExp, isPlainObject, jsonSubsetProblem, matchesJsonSubset } from './json-subset.js'
import type { JsonSubset, JsonValue } from './json-subset.js'
import { describeMatcher, matcherKind, matchesMessage } from './matcher.js'
import type { MessageMatcher } from './matcher.js'

/** `origin.file` of steps compiled from a scenario (their `line` is the step number). */
export const SCENARIO_FILE = '<scenario>'
/** Longest text shown inside a step description such as `send("…")`. */
const DESCRIPTION_TEXT_MAX_CHARS = 60
/** Longest matcher shown inside a step description such as `expect({…})`. */
const DESCRIPTION_MATCHER_MAX_CHARS = 100
/** Longest close reason the WebSocket protocol allows, in UTF-8 bytes. */
const MAX_CLOSE_REASON_BYTES = 123
/** Regex flags that do not change whether one message matches (the player resets `lastIndex`). */
const HARMLESS_FLAGS = new Set(['g', 'd'])
/** Stands in for an in-memory-only matcher; it never matches, so a player that ignored `predicate` would time out instead of passing. */
const NEVER_MATCHES = '(?!)'
/** Where the fixes of unserializable steps are pointed. */
const SERIALIZE_HINT =
  'Use a string, a RegExp without flags or a JSON subset instead, or play the scenario in memory with mockWs().scenario(scenario).'

/** Options of `expect` and `waitFor`. */
export interface ScenarioWaitOptions {
  /** How long this wait may take, in ms (default: the mock's `timeoutMs` option). */
  timeoutMs?: number
  /** `{ NAME: "$.path" }`: values of the satisfying JSON message kept for `{{match.NAME}}` (the replay field `capture`). */
  capture?: Readonly<Record<string, string>>
}

/** Options of `Scenario#compile`. */
export interface ScenarioCompileOptions {
  /** Expand template tokens in `send` texts (default `true`). */
  expandTemplates?: boolean
  /** A loaded `@faker-js/faker` instance for `{{faker.*}}` tokens. */
  faker?: FakerLike
  /** Name used as `origin.file` and in errors (default `<scenario>`). */
  file?: string
}

/**
 * One call recorded by a scenario, in order; `source` keeps a regex exactly as a replay file wrote it.
 * @example
 * new Scenario().send('hi').steps // [{ kind: 'send', text: 'hi' }]
 */
export type ScenarioStep =
  | { readonly kind: 'send'; readonly text: string }
  | { readonly kind: 'send'; readonly bytes: Uint8Array }
  | {
      readonly kind: 'expect' | 'waitFor'
      readonly matcher: MessageMatcher
      readonly timeoutMs?: number
      readonly source?: string
      /** The JSON value of a `json`/`waitForJson` entry (its file form, kept exactly as written). */
      readonly json?: JsonValue
      readonly capture?: Readonly<Record<string, string>>
    }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'close'; readonly code: number; readonly reason: string }

type WaitStep = Extract<ScenarioStep, { kind: 'expect' | 'waitFor' }>
type OutStep = Extract<ScenarioStep, { kind: 'send' | 'close' }>

interface BuiltEntry {
  entry: ReplayEntry
  description: string
  predicate?: (text: string) => boolean
  /** A RegExp matcher played as given (flags and named groups kept), instead of its file form. */
  regex?: RegExp
}

/** What a wait step contributes to its entry, and how it plays in memory. */
interface WaitForm {
  /** Entry fields: `text` | `match` | `json` for expect, `waitFor` | `waitForJson` for waitFor; plus `capture`. */
  fields: Partial<ReplayEntry>
  predicate?: (text: string) => boolean
  regex?: RegExp
}

type BuildMode = 'serialize' | 'memory'

function scenarioError(message: string): MockWsError {
  return new MockWsError('WSM_SCENARIO', message)
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/** Close code a client sees when the connection drops; as a step it drops the connection (no close frame). */
const DROP_CLOSE_CODE = 1006

function isValidCloseCode(code: number): boolean {
  // What a server may put on the wire (RFC 6455 §7.4); 1004–1006 and 1015 are reserved, but 1006
  // is accepted as the drop step, which sends no close frame at all.
  return (
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005) ||
      (code >= 3000 && code <= 4999))
  )
}

function describeStepCall(step: ScenarioStep): string {
  switch (step.kind) {
    case 'send':
      return 'text' in step
        ? `send(${JSON.stringify(truncate(step.text, DESCRIPTION_TEXT_MAX_CHARS))})`
        : `send(<binary ${step.bytes.byteLength} bytes>)`
    case 'expect':
    case 'waitFor':
      return `${step.kind}(${truncate(step.json !== undefined ? JSON.stringify(step.json) : describeMatcher(step.matcher), DESCRIPTION_MATCHER_MAX_CHARS)})`
    case 'delay':
      return `delay(${step.ms})`
    case 'close':
      return step.reason ? `close(${step.code}, ${JSON.stringify(step.reason)})` : `close(${step.code})`
  }
}

/** Why a wait step has no replay-file form, or undefined when it has one. */
function unserializableReason(step: WaitStep): string | undefined {
  if (step.source !== undefined || step.json !== undefined) return undefined
  const matcher = step.matcher
  if (typeof matcher === 'function') return 'a predicate function has no replay-file form'
  if (matcher instanceof RegExp) {
    const flags = [...matcher.flags].filter((flag) => !HARMLESS_FLAGS.has(flag))
    if (flags.length > 0) return `replay regexes have no flags, and ${flags.join('')} changes what matches`
  }
  return undefined
}

/** The JSON a wait step is written as (`json`/`waitForJson`), or undefined when it is not a JSON matcher. */
function jsonForm(step: WaitStep): JsonValue | undefined {
  if (step.json !== undefined) return step.json
  return step.source === undefined && isPlainObject(step.matcher) ? (step.matcher as JsonSubset) : undefined
}

/** The regex a non-JSON wait step is written as in a replay file (`waitFor` or `match`). */
function waitPattern(step: WaitStep): string {
  if (step.source !== undefined) return step.source
  const matcher = step.matcher
  if (typeof matcher === 'string') return `^${escapeRegExp(matcher)}$`
  if (matcher instanceof RegExp) return matcher.source
  return NEVER_MATCHES
}

function inMemoryPredicate(matcher: MessageMatcher, description: string): (text: string) => boolean {
  return (text) => {
    try {
      return matchesMessage(matcher, text)
    } catch (error) {
      throw new MockWsError(
        'WSM_SCENARIO',
        `Failed to match a client message at ${description}: the predicate threw ${String(error)}. Make the predicate return false instead of throwing.`,
        { cause: error },
      )
    }
  }
}

/** Checks a `capture` option: names usable as `{{match.NAME}}`, valid paths; returns the first problem. */
function captureProblem(capture: unknown): string | undefined {
  if (!isPlainObject(capture)) return `capture is ${describeValue(capture)}, not an object of names to paths`
  for (const [name, path] of Object.entries(capture)) {
    if (!CAPTURE_NAME.test(name)) return `capture name ${JSON.stringify(name)} is not usable as {{match.NAME}}`
    if (typeof path !== 'string') return `capture ${name} is ${describeValue(path)}, not a path string like "$.id"`
    const parsed = parseCapturePath(path)
    if (!parsed.ok) return `capture ${name} has a bad path ${JSON.stringify(path)}: ${parsed.problem.message}`
  }
  return undefined
}


/**
 * A fluent script of what the server sends and expects on each connection; it compiles to replay
 * entries, so a scenario and its JSONL file play identically.
 * @example
 * const s = new Scenario().waitFor(/^READY$/).send('{"type":"welcome"}').expect({ type: 'subscribe' }).close(1000, 'bye')
 * const ws = await mockWs().scenario(s)
 */
export class Scenario {
  readonly #steps: ScenarioStep[] = []

  /**
   * The recorded calls, in order (a copy).
   * @example
   * new Scenario().delay(5).steps // [{ kind: 'delay', ms: 5 }]
   */
  get steps(): readonly ScenarioStep[] {
    return [...this.#steps]
  }

  /**
   * Sends a text (template tokens are expanded when the mock expands templates) or a binary frame.
   * @example
   * scenario.send('{"id":"{{uuid}}"}').send(new Uint8Array([1, 2]))
   */
  send(data: string | Uint8Array): this {
    if (typeof data === 'string') this.#steps.push({ kind: 'send', text: data })
    else if (data instanceof Uint8Array) this.#steps.push({ kind: 'send', bytes: Uint8Array.from(data) })
    else throw this.#argumentError('send(…)', `data is ${describeValue(data)}, not a string or Uint8Array`, 'Pass text, or bytes as a Uint8Array/Buffer.')
    return this
  }

  /**
   * Requires the next client message to match; a different message is recorded as a failure.
   * @example
   * scenario.expect({ type: 'subscribe' }).expect(/^PING \d+$/, { timeoutMs: 500 })
   */
  expect(matcher: MessageMatcher, opts?: ScenarioWaitOptions): this {
    this.#steps.push(this.#waitStep('expect', matcher, opts))
    return this
  }

  /**
   * Waits for a client message that matches, skipping any that do not; what follows plays after it.
   * @example
   * scenario.waitFor(/^CLIENT_READY$/).send('welcome')
   */
  waitFor(matcher: MessageMatcher, opts?: ScenarioWaitOptions): this {
    this.#steps.push(this.#waitStep('waitFor', matcher, opts))
    return this
  }

  /**
   * Pauses before the next step: every later entry's `ts` moves by `ms`.
   * @example
   * scenario.send('a').delay(100).send('b') // b is due 100 ms after a
   */
  delay(ms: number): this {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw this.#argumentError(`delay(${String(ms)})`, 'ms must be a finite number >= 0', 'Pass a duration in milliseconds, e.g. delay(100).')
    }
    // A zero delay changes no timestamp, and recording it would stop a waitFor from merging into the next send.
    if (ms > 0) this.#steps.push({ kind: 'delay', ms })
    return this
  }

  /**
   * Closes the connection with a close frame (default 1000, no reason); `close(1006)` drops it instead, with no close frame.
   * @example
   * scenario.close(4000, 'session expired')
   */
  close(code = 1000, reason = ''): this {
    const call = `close(${String(code)}, ${JSON.stringify(reason) ?? String(reason)})`
    if (typeof code !== 'number' || !isValidCloseCode(code)) {
      throw this.#argumentError(call, `${String(code)} is not a close code a server may send`, 'Use 1000 (normal), 1001–1014 (not 1004–1006) or an application code 3000–4999.')
    }
    if (typeof reason !== 'string') {
      throw this.#argumentError(call, `reason is ${describeValue(reason)}, not a string`, 'Pass the reason as text.')
    }
    if (code === DROP_CLOSE_CODE && reason !== '') {
      throw this.#argumentError(call, 'code 1006 drops the connection without a close frame, so it carries no reason', 'Call close(1006) without a reason.')
    }
    const bytes = utf8Length(reason)
    if (bytes > MAX_CLOSE_REASON_BYTES) {
      throw this.#argumentError(call, `the reason is ${bytes} bytes of UTF-8, over the protocol's ${MAX_CLOSE_REASON_BYTES}`, 'Shorten the reason.')
    }
    this.#steps.push({ kind: 'close', code, reason })
    return this
  }

  /**
   * The scenario as replay entries; throws a `WSM_SCENARIO` error naming every step that has no
   * file form (predicates, regexes with flags such as `i`).
   * @example
   * new Scenario().send('hi').expect('ok').toReplay() // [{ ts: 0, dir: 'out', text: 'hi' }, { ts: 0, dir: 'in', text: 'ok' }]
   */
  toReplay(): ReplayEntry[] {
    return this.#build('serialize').map((built) => built.entry)
  }

  /**
   * The scenario as a replay file (JSON Lines).
   * @example
   * await writeFile('test/fixtures/login.jsonl', scenario.toJSONL())
   */
  toJSONL(): string {
    return toJSONL(this.toReplay())
  }

  /**
   * Compiles the scenario for the player, keeping in-memory matchers (deep JSON subsets,
   * predicates, regex flags) as `predicate` and each step's call as `origin.description`.
   * @example
   * const replay = new Scenario().expect((text) => text.startsWith('A')).compile()
   */
  compile(opts: ScenarioCompileOptions = {}): CompiledReplay {
    const file = opts.file ?? SCENARIO_FILE
    const built = this.#build('memory')
    const compiled = compileEntries(
      built.map((b) => b.entry),
      { file, expandTemplates: opts.expandTemplates ?? true, ...(opts.faker ? { faker: opts.faker } : {}) },
    )
    const steps = compiled.steps.map((step, i): PlayStep => {
      const meta = built[i]
      if (!meta) return step
      const played: PlayStep = { ...step, origin: { file, line: i + 1, description: meta.description } }
      if (meta.predicate) played.predicate = meta.predicate
      // The RegExp itself plays, so its flags hold and its named groups become captures.
      if (meta.regex) {
        if (played.dir === 'in') played.match = meta.regex
        else played.waitFor = meta.regex
      }
      return played
    })
    return { ...compiled, steps }
  }

  /**
   * Builds a scenario from replay entries or JSONL text (validated like any replay file); regexes are
   * kept exactly as written, so `Scenario.fromReplay(s.toReplay()).toReplay()` equals `s.toReplay()`.
   * @example
   * const s = Scenario.fromReplay(await readFile('test/fixtures/chat.jsonl', 'utf8'))
   */
  static fromReplay(input: readonly ReplayEntry[] | string, opts: { file?: string } = {}): Scenario {
    const compiled =
      typeof input === 'string'
        ? parseReplay(input, { expandTemplates: false, ...(opts.file ? { file: opts.file } : {}) })
        : compileEntries(input, { expandTemplates: false, ...(opts.file ? { file: opts.file } : {}) })
    const scenario = new Scenario()
    let ts = 0
    for (const step of compiled.steps) {
      const entry = step.entry
      if (entry.ts > ts) scenario.delay(entry.ts - ts)
      ts = Math.max(ts, entry.ts)
      const extra = {
        ...(entry.timeoutMs !== undefined ? { timeoutMs: entry.timeoutMs } : {}),
        ...(entry.capture !== undefined ? { capture: { ...entry.capture } } : {}),
      }
      if (entry.waitFor !== undefined && step.waitFor) {
        scenario.#steps.push({ kind: 'waitFor', matcher: step.waitFor, source: entry.waitFor, ...extra })
      } else if (step.waitForJson !== undefined) {
        scenario.#steps.push({ kind: 'waitFor', ...jsonStep(step.waitForJson), ...extra })
      }
      if (entry.dir === 'in') {
        if (entry.match !== undefined && step.match) {
          scenario.#steps.push({ kind: 'expect', matcher: step.match, source: entry.match, ...extra })
        } else if (step.json !== undefined) {
          scenario.#steps.push({ kind: 'expect', ...jsonStep(step.json), ...extra })
        } else if (entry.text !== undefined) {
          scenario.#steps.push({ kind: 'expect', matcher: entry.text, ...extra })
        } else {
          throw scenarioError(
            `Failed to build a scenario from ${step.origin.file}:${step.origin.line}: an "in" entry expecting a binary frame has no scenario form. Keep this replay as a file and play it with mockWs().replay(…).`,
          )
        }
        continue
      }
      if (entry.binary !== undefined && step.binary) scenario.send(step.binary)
      else if (entry.text !== undefined) scenario.send(entry.text)
      if (entry.close) scenario.close(entry.close.code ?? 1000, entry.close.reason ?? '')
    }
    return scenario
  }

  #waitStep(kind: 'expect' | 'waitFor', matcher: MessageMatcher, opts: ScenarioWaitOptions | undefined): WaitStep {
    const call = `${kind}(${matcherKind(matcher) ? truncate(describeMatcher(matcher), DESCRIPTION_MATCHER_MAX_CHARS) : describeValue(matcher)})`
    const type = matcherKind(matcher)
    if (!type) {
      throw this.#argumentError(call, `the matcher is ${describeValue(matcher)}`, 'Pass a string (exact), a RegExp, a JSON object subset or a predicate function.')
    }
    if (type === 'json-subset') {
      const problem = jsonSubsetProblem(matcher)
      if (problem) throw this.#argumentError(call, problem, 'A JSON subset may hold only strings, finite numbers, booleans, null, arrays and plain objects.')
    }
    const timeoutMs = opts?.timeoutMs
    if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0)) {
      throw this.#argumentError(call, `timeoutMs is ${String(timeoutMs)}; it must be a finite number > 0`, 'Pass a duration in milliseconds, or leave it out to use the mock default.')
    }
    const capture = opts?.capture
    if (capture !== undefined) {
      const problem = captureProblem(capture)
      if (problem) throw this.#argumentError(call, problem, 'Pass names (identifiers) mapped to paths such as { id: "$.id" } or { first: "$.items[0]" }.')
    }
    // Snapshot subsets so later mutation of the caller's object cannot change a built scenario.
    const stored = type === 'json-subset' ? (structuredClone(matcher) as MessageMatcher) : matcher
    return { kind, matcher: stored, ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(capture !== undefined ? { capture: { ...capture } } : {}) }
  }

  #argumentError(call: string, cause: string, hint: string): MockWsError {
    return scenarioError(`Failed to add ${call} to the scenario: ${cause}. ${hint}`)
  }

  #build(mode: BuildMode): BuiltEntry[] {
    const built: BuiltEntry[] = []
    const problems: string[] = []
    let ts = 0
    let pending: WaitStep | undefined

    const waitForm = (step: WaitStep, description: string): WaitForm => {
      const reason = unserializableReason(step)
      if (reason !== undefined && mode === 'serialize') problems.push(`step ${built.length + 1} ${description} cannot be serialized: ${reason}`)
      const fields: Partial<ReplayEntry> = {}
      const json = reason === undefined ? jsonForm(step) : undefined
      if (json !== undefined) {
        if (step.kind === 'expect') fields.json = json
        else fields.waitForJson = json
      } else {
        const pattern = reason !== undefined ? NEVER_MATCHES : waitPattern(step)
        if (step.kind === 'waitFor') fields.waitFor = pattern
        else if (typeof step.matcher === 'string' && step.source === undefined) fields.text = step.matcher
        else fields.match = pattern
      }
      if (step.capture !== undefined) fields.capture = { ...step.capture }
      if (step.timeoutMs !== undefined) fields.timeoutMs = step.timeoutMs
      const form: WaitForm = { fields }
      if (mode === 'memory' && json === undefined) {
        // Strings and JSON play natively from the entry; a RegExp plays as itself (flags, named groups).
        if (step.matcher instanceof RegExp) form.regex = step.matcher
        else if (typeof step.matcher === 'function') form.predicate = inMemoryPredicate(step.matcher, `step ${built.length + 1} ${description}`)
      }
      return form
    }
    const pushWait = (entry: ReplayEntry, description: string, form: WaitForm): void => {
      built.push({
        entry,
        description,
        ...(form.predicate ? { predicate: form.predicate } : {}),
        ...(form.regex ? { regex: form.regex } : {}),
      })
    }

    // A waitFor that cannot merge into a send/close becomes an `out` entry that only waits.
    const flushPending = (): void => {
      if (!pending) return
      const description = describeStepCall(pending)
      const form = waitForm(pending, description)
      pushWait({ ts, dir: 'out', ...form.fields }, description, form)
      pending = undefined
    }

    const pushOut = (step: OutStep): void => {
      const call = describeStepCall(step)
      const body: Partial<ReplayEntry> =
        step.kind === 'close'
          ? { close: { code: step.code, reason: step.reason } }
          : 'text' in step
            ? { text: step.text }
            : { binary: toBase64(step.bytes) }
      if (!pending) {
        built.push({ entry: { ts, dir: 'out', ...body }, description: call })
        return
      }
      const waitCall = describeStepCall(pending)
      const form = waitForm(pending, waitCall)
      pushWait({ ts, dir: 'out', ...body, ...form.fields }, `${waitCall} then ${call}`, form)
      pending = undefined
    }

    for (const step of this.#steps) {
      switch (step.kind) {
        case 'delay': {
          // A delay too small to change the timestamp (float absorption) changes nothing, like delay(0).
          const next = ts + step.ms
          if (next === ts) break
          // The delay runs after the wait is satisfied, so the wait cannot share the next entry.
          flushPending()
          ts = next
          break
        }
        case 'waitFor':
          flushPending()
          pending = step
          break
        case 'expect': {
          flushPending()
          const description = describeStepCall(step)
          const form = waitForm(step, description)
          pushWait({ ts, dir: 'in', ...form.fields }, description, form)
          break
        }
        case 'send':
        case 'close':
          pushOut(step)
          break
      }
    }
    flushPending()

    if (problems.length > 0) {
      const count = problems.length === 1 ? '1 step has' : `${problems.length} steps have`
      throw scenarioError(
        `Failed to serialize scenario: ${count} no replay-file form.\n${problems.map((p) => `  ${p}`).join('\n')}\n${SERIALIZE_HINT}`,
      )
    }
    return built.map((b) => ({ ...b, entry: canonicalEntry(b.entry) }))
  }
}

/** The entry with its fields in the order replay files write them (ts, dir, text | binary, json, waitFor, waitForJson, match, capture, timeoutMs, close). */
function canonicalEntry(entry: ReplayEntry): ReplayEntry {
  const out: ReplayEntry = { ts: entry.ts, dir: entry.dir }
  if (entry.text !== undefined) out.text = entry.text
  if (entry.binary !== undefined) out.binary = entry.binary
  if (entry.json !== undefined) out.json = entry.json
  if (entry.waitFor !== undefined) out.waitFor = entry.waitFor
  if (entry.waitForJson !== undefined) out.waitForJson = entry.waitForJson
  if (entry.match !== undefined) out.match = entry.match
  if (entry.capture !== undefined) out.capture = entry.capture
  if (entry.timeoutMs !== undefined) out.timeoutMs = entry.timeoutMs
  if (entry.close !== undefined) out.close = entry.close
  return out
}

/** A scenario wait step for a `json`/`waitForJson` value: objects stay JSON-subset matchers, other values match through a predicate. */
function jsonStep(json: JsonValue): { matcher: MessageMatcher; json: JsonValue } {
  if (isPlainObject(json)) return { matcher: json as JsonSubset, json }
  const jsonValue = (_text: string, parsed?: unknown): boolean => parsed !== undefined && matchesJsonSubset(json, parsed)
  return { matcher: jsonValue, json }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'object') return `a ${(value as object).constructor?.name ?? 'null-prototype'} object`
  if (typeof value === 'string') return JSON.stringify(truncate(value, DESCRIPTION_TEXT_MAX_CHARS))
  return String(value)
}
