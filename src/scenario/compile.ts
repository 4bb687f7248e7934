// Scenario steps to replay entries and back: what `Scenario#toReplay`/`compile` write and play, and
// what `Scenario.fromReplay` reads. The builder API (argument checks, the fluent calls) is in scenario.ts.
import { MockWsError } from '../errors.js'
import { CLOSE_NORMAL } from '../constants.js'
import { compileEntries, parseReplay } from '../replay/parse.js'
import { canonicalEntry } from '../replay/serialize.js'
import type { CompiledReplay, PlayStep, ReplayEntry } from '../replay/types.js'
import type { FakerLike } from '../template/context.js'
import { toBase64 } from '../session/bytes.js'
import { shortenText as truncate } from '../session/describe.js'
import { escapeRegExp, isPlainObject, matchesJsonSubset } from './json-subset.js'
import type { JsonSubset, JsonValue } from './json-subset.js'
import { describeMatcher, matchesMessage } from './matcher.js'
import type { MessageMatcher } from './matcher.js'

/** `origin.file` of steps compiled from a scenario (their `line` is the step number). */
export const SCENARIO_FILE = '<scenario>'
/** Longest text shown inside a step description such as `send("…")`. */
export const DESCRIPTION_TEXT_MAX_CHARS = 60
/** Longest matcher shown inside a step description such as `expect({…})`. */
export const DESCRIPTION_MATCHER_MAX_CHARS = 100
/** Regex flags that do not change whether one message matches (the player resets `lastIndex`). */
const HARMLESS_FLAGS = new Set(['g', 'd'])
/** Stands in for an in-memory-only matcher; it never matches, so a player that ignored `predicate` would time out instead of passing. */
const NEVER_MATCHES = '(?!)'
/** Where the fixes of unserializable steps are pointed. */
const SERIALIZE_HINT =
  'Use a string, a RegExp without flags or a JSON subset instead, or play the scenario in memory with mockWs().scenario(scenario).'

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

/** A step that waits for a client message. */
export type WaitStep = Extract<ScenarioStep, { kind: 'expect' | 'waitFor' }>
/** A step that puts something on the wire. */
type OutStep = Extract<ScenarioStep, { kind: 'send' | 'close' }>

/** One built replay entry, with what plays it in memory. */
export interface BuiltEntry {
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

/** `serialize`: every step needs a file form; `memory`: in-memory matchers play as they are. */
export type BuildMode = 'serialize' | 'memory'

/** A `WSM_SCENARIO` error with `message`. */
export function scenarioError(message: string): MockWsError {
  return new MockWsError('WSM_SCENARIO', message)
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

/**
 * The entries of a scenario's steps: `serialize` refuses steps with no file form (naming each), `memory`
 * keeps in-memory matchers as predicates and RegExps for `compileScenario`.
 */
export function buildEntries(steps: readonly ScenarioStep[], mode: BuildMode): BuiltEntry[] {
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

  for (const step of steps) {
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

/**
 * Compiles scenario steps for the player, keeping in-memory matchers (deep JSON subsets, predicates,
 * regex flags) as `predicate` and each step's call as `origin.description`.
 */
export function compileScenario(scenarioSteps: readonly ScenarioStep[], opts: ScenarioCompileOptions = {}): CompiledReplay {
  const file = opts.file ?? SCENARIO_FILE
  const built = buildEntries(scenarioSteps, 'memory')
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
 * The scenario steps of replay entries or JSONL text (validated like any replay file); regexes are kept
 * exactly as written, so a scenario built from them writes the same entries back.
 */
export function stepsFromReplay(input: readonly ReplayEntry[] | string, opts: { file?: string } = {}): ScenarioStep[] {
  const compiled =
    typeof input === 'string'
      ? parseReplay(input, { expandTemplates: false, ...(opts.file ? { file: opts.file } : {}) })
      : compileEntries(input, { expandTemplates: false, ...(opts.file ? { file: opts.file } : {}) })
  const steps: ScenarioStep[] = []
  let ts = 0
  for (const step of compiled.steps) {
    const entry = step.entry
    if (entry.ts > ts) steps.push({ kind: 'delay', ms: entry.ts - ts })
    ts = Math.max(ts, entry.ts)
    const extra = {
      ...(entry.timeoutMs !== undefined ? { timeoutMs: entry.timeoutMs } : {}),
      ...(entry.capture !== undefined ? { capture: { ...entry.capture } } : {}),
    }
    if (entry.waitFor !== undefined && step.waitFor) {
      steps.push({ kind: 'waitFor', matcher: step.waitFor, source: entry.waitFor, ...extra })
    } else if (step.waitForJson !== undefined) {
      steps.push({ kind: 'waitFor', ...jsonStep(step.waitForJson), ...extra })
    }
    if (entry.dir === 'in') {
      if (entry.match !== undefined && step.match) {
        steps.push({ kind: 'expect', matcher: step.match, source: entry.match, ...extra })
      } else if (step.json !== undefined) {
        steps.push({ kind: 'expect', ...jsonStep(step.json), ...extra })
      } else if (entry.text !== undefined) {
        steps.push({ kind: 'expect', matcher: entry.text, ...extra })
      } else {
        throw scenarioError(
          `Failed to build a scenario from ${step.origin.file}:${step.origin.line}: an "in" entry expecting a binary frame has no scenario form. Keep this replay as a file and play it with mockWs().replay(…).`,
        )
      }
      continue
    }
    if (entry.binary !== undefined && step.binary) steps.push({ kind: 'send', bytes: Uint8Array.from(step.binary) })
    else if (entry.text !== undefined) steps.push({ kind: 'send', text: entry.text })
    // The rules already checked the code and reason, as strictly as `Scenario#close` does.
    if (entry.close) steps.push({ kind: 'close', code: entry.close.code ?? CLOSE_NORMAL, reason: entry.close.reason ?? '' })
  }
  return steps
}

/** A scenario wait step for a `json`/`waitForJson` value: objects stay JSON-subset matchers, other values match through a predicate. */
function jsonStep(json: JsonValue): { matcher: MessageMatcher; json: JsonValue } {
  if (isPlainObject(json)) return { matcher: json as JsonSubset, json }
  const jsonValue = (_text: string, parsed?: unknown): boolean => parsed !== undefined && matchesJsonSubset(json, parsed)
  return { matcher: jsonValue, json }
}
