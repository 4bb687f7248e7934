// The fluent scenario builder: each call checks its arguments and records a step. Turning the steps
// into replay entries (and replay entries back into steps) is in compile.ts.
import type { MockWsError } from '../errors.js'
import { CLOSE_ABNORMAL, CLOSE_NORMAL } from '../constants.js'
import { toJSONL } from '../replay/serialize.js'
import type { CompiledReplay, ReplayEntry } from '../replay/types.js'
import { CAPTURE_NAME, parseCapturePath } from '../replay/capture-path.js'
import { closeReasonProblem, isScriptCloseCode } from '../session/close-codes.js'
import { shortenText as truncate, showValue } from '../session/describe.js'
import { isPlainObject, jsonSubsetProblem } from './json-subset.js'
import { describeMatcher, matcherKind } from './matcher.js'
import type { MessageMatcher } from './matcher.js'
import {
  buildEntries,
  compileScenario,
  DESCRIPTION_MATCHER_MAX_CHARS,
  DESCRIPTION_TEXT_MAX_CHARS,
  scenarioError,
  stepsFromReplay,
} from './compile.js'
import type { ScenarioCompileOptions, ScenarioStep, WaitStep } from './compile.js'

export { SCENARIO_FILE } from './compile.js'
export type { ScenarioCompileOptions, ScenarioStep } from './compile.js'

/** Options of `expect` and `waitFor`. */
export interface ScenarioWaitOptions {
  /** How long this wait may take, in ms (default: the mock's `timeoutMs` option). */
  timeoutMs?: number
  /** `{ NAME: "$.path" }`: values of the satisfying JSON message kept for `{{match.NAME}}` (the replay field `capture`). */
  capture?: Readonly<Record<string, string>>
}

/** Checks a `capture` option: names usable as `{{match.NAME}}`, valid paths; returns the first problem. */
function captureProblem(capture: unknown): string | undefined {
  if (!isPlainObject(capture)) return `capture is ${describe(capture)}, not an object of names to paths`
  for (const [name, path] of Object.entries(capture)) {
    if (!CAPTURE_NAME.test(name)) return `capture name ${JSON.stringify(name)} is not usable as {{match.NAME}}`
    if (typeof path !== 'string') return `capture ${name} is ${describe(path)}, not a path string like "$.id"`
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
    else throw this.#argumentError('send(…)', `data is ${describe(data)}, not a string or Uint8Array`, 'Pass text, or bytes as a Uint8Array/Buffer.')
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
  close(code: number = CLOSE_NORMAL, reason = ''): this {
    const call = `close(${String(code)}, ${JSON.stringify(reason) ?? String(reason)})`
    if (typeof code !== 'number' || !isScriptCloseCode(code)) {
      throw this.#argumentError(call, `${String(code)} is not a close code a server may send`, 'Use 1000 (normal), 1001–1014 (not 1004–1006) or an application code 3000–4999.')
    }
    if (typeof reason !== 'string') {
      throw this.#argumentError(call, `reason is ${describe(reason)}, not a string`, 'Pass the reason as text.')
    }
    if (code === CLOSE_ABNORMAL && reason !== '') {
      throw this.#argumentError(call, 'code 1006 drops the connection without a close frame, so it carries no reason', 'Call close(1006) without a reason.')
    }
    const tooLong = closeReasonProblem(reason)
    if (tooLong) throw this.#argumentError(call, tooLong, 'Shorten the reason.')
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
    return buildEntries(this.#steps, 'serialize').map((built) => built.entry)
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
    return compileScenario(this.#steps, opts)
  }

  /**
   * Builds a scenario from replay entries or JSONL text (validated like any replay file); regexes are
   * kept exactly as written, so `Scenario.fromReplay(s.toReplay()).toReplay()` equals `s.toReplay()`.
   * @example
   * const s = Scenario.fromReplay(await readFile('test/fixtures/chat.jsonl', 'utf8'))
   */
  static fromReplay(input: readonly ReplayEntry[] | string, opts: { file?: string } = {}): Scenario {
    const scenario = new Scenario()
    scenario.#steps.push(...stepsFromReplay(input, opts))
    return scenario
  }

  #waitStep(kind: 'expect' | 'waitFor', matcher: MessageMatcher, opts: ScenarioWaitOptions | undefined): WaitStep {
    const call = `${kind}(${matcherKind(matcher) ? truncate(describeMatcher(matcher), DESCRIPTION_MATCHER_MAX_CHARS) : describe(matcher)})`
    const type = matcherKind(matcher)
    if (!type) {
      throw this.#argumentError(call, `the matcher is ${describe(matcher)}`, 'Pass a string (exact), a RegExp, a JSON object subset or a predicate function.')
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

}

/** A value as argument errors show it: strings quoted and cut like step descriptions. */
function describe(value: unknown): string {
  return showValue(value, DESCRIPTION_TEXT_MAX_CHARS)
}
