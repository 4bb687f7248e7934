// What each field of a replay entry may be, and how the fields combine: one entry in, its compiled
// step (or every problem found, each with the place in the entry it points at) out.
import { TemplateError } from '../errors.js'
import { CLOSE_ABNORMAL, MAX_CLOSE_REASON_BYTES } from '../constants.js'
import { compileTemplate, findTemplateIssues } from '../template/compile.js'
import type { CompiledTemplate } from '../template/compile.js'
import { compileLiteral } from '../template/escape.js'
import type { FakerLike } from '../template/context.js'
import { jsonValueProblem } from '../scenario/json-subset.js'
import type { JsonValue } from '../scenario/json-subset.js'
import { CLOSE_CODE_RULE, isScriptCloseCode } from '../session/close-codes.js'
import { describeValue, shortenText as shorten } from '../session/describe.js'
import { errorMessage } from '../session/to-error.js'
import { fromBase64, utf8Length } from '../session/bytes.js'
import { CAPTURE_NAME, parseCapturePath } from './capture-path.js'
import type { CompiledCapture } from './capture-path.js'
import { findRegexHazard } from './regex-guard.js'
import { CLOSE_FIELDS, REPLAY_FIELDS } from './serialize.js'
import type { PlayStep, ReplayClose, ReplayEntry } from './types.js'

/** Distinct regex sources compiled once per replay; beyond this (recordings with unique patterns) caching costs more than it saves. */
const MAX_CACHED_REGEXES = 1024
/** Largest edit distance at which an unknown field name is taken for a typo of a known one. */
const MAX_TYPO_DISTANCE = 2

const FIELD_SET: ReadonlySet<string> = new Set(REPLAY_FIELDS)
const CLOSE_FIELD_SET: ReadonlySet<string> = new Set(CLOSE_FIELDS)
// Names people reach for from other tools; edit distance alone would not find these.
const FIELD_ALIASES: Readonly<Record<string, string>> = {
  message: 'text',
  msg: 'text',
  data: 'text',
  payload: 'text',
  body: 'text',
  direction: 'dir',
  type: 'dir',
  time: 'ts',
  timestamp: 'ts',
  delay: 'ts',
  timeout: 'timeoutMs',
  wait: 'waitFor',
  regex: 'match',
  pattern: 'match',
  captures: 'capture',
  extract: 'capture',
}
const BASE64_CHAR = /[A-Za-z0-9+/]/
const OPEN_TOKEN = '{{'

/** Where in an entry a problem is; turned into a column once the line's syntax tree is known. */
export type Where =
  | { kind: 'object' }
  | { kind: 'key'; path: readonly string[] }
  | { kind: 'value'; path: readonly string[] }
  | { kind: 'char'; path: readonly string[]; index: number }

export interface Problem {
  where: Where
  message: string
}

const AT_OBJECT: Where = { kind: 'object' }
const key = (...path: string[]): Where => ({ kind: 'key', path })
const value = (...path: string[]): Where => ({ kind: 'value', path })

/** State shared by the entries of one replay, as the rules read and update it. */
export interface EntryRun {
  readonly file: string
  readonly expandTemplates: boolean
  readonly faker: FakerLike | undefined
  readonly regexes: Map<string, RegExp | RegexProblem>
  readonly steps: PlayStep[]
  prevTs: number | undefined
  prevLine: number
  usesFaker: boolean
}

/** True for a non-null, non-array object (what a replay entry, its `close` and its `capture` must be). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Validates one entry; on success pushes its step and returns undefined, otherwise returns its problems. */
export function checkEntry(raw: unknown, run: EntryRun, line: number, entry: ReplayEntry | undefined): Problem[] | undefined {
  if (!isPlainObject(raw) || entry === undefined) {
    return [{ where: AT_OBJECT, message: `expected a JSON object like {"ts":0,"dir":"out","text":"hi"}, got ${describeValue(raw)}` }]
  }
  let problems: Problem[] | undefined
  const problem = (where: Where, message: string): void => {
    ;(problems ??= []).push({ where, message })
  }

  // for-in rather than Object.keys: no array per line, and inherited enumerable fields count as unknown too.
  for (const name in raw) {
    if (!FIELD_SET.has(name)) problem(key(name), unknownField(name, '', REPLAY_FIELDS))
  }

  const ts = raw.ts
  let validTs: number | undefined
  if (ts === undefined) problem(AT_OBJECT, 'missing "ts": give the ms offset from the connection start, e.g. "ts":0')
  else if (typeof ts !== 'number') problem(value('ts'), `"ts" must be a number of ms >= 0, got ${describeValue(ts)}`)
  else if (!Number.isFinite(ts)) problem(value('ts'), `"ts" must be a finite number, got ${ts}`)
  else if (ts < 0) problem(value('ts'), `"ts" must be >= 0, got ${ts}`)
  else validTs = ts
  if (validTs !== undefined) {
    if (run.prevTs !== undefined && validTs < run.prevTs) {
      problem(value('ts'), `"ts" ${validTs} is less than ${run.prevTs} on line ${run.prevLine}; ts must not decrease`)
    }
    run.prevTs = validTs
    run.prevLine = line
  }

  const dir = raw.dir
  if (dir === undefined) problem(AT_OBJECT, 'missing "dir": use "out" (the server sends) or "in" (the client is expected to send)')
  else if (dir !== 'in' && dir !== 'out') problem(value('dir'), `"dir" must be "in" or "out", got ${describeValue(dir)}`)

  const text = raw.text
  if (text !== undefined && typeof text !== 'string') {
    const hint = isPlainObject(text) || Array.isArray(text) ? ' (to send JSON, write it as a string: "text":"{\\"a\\":1}")' : ''
    problem(value('text'), `"text" must be a string, got ${describeValue(text)}${hint}`)
  }

  const binary = raw.binary
  let bytes: Uint8Array | undefined
  if (binary !== undefined) {
    if (typeof binary !== 'string') problem(value('binary'), `"binary" must be a base64 string, got ${describeValue(binary)}`)
    else {
      const bad = findBase64Problem(binary)
      if (bad) problem({ kind: 'char', path: ['binary'], index: bad.index }, `"binary" is not valid base64: ${bad.message}`)
      else bytes = fromBase64(binary)
    }
    if (text !== undefined) problem(key('binary'), 'an entry has "text" or "binary", not both')
  }

  const waitFor = compileRegex(raw, 'waitFor', run, problem)
  const match = compileRegex(raw, 'match', run, problem)

  const json = checkJson(raw, 'json', problem)
  const waitForJson = checkJson(raw, 'waitForJson', problem)
  const capture = checkCapture(raw.capture, problem)

  const timeoutMs = raw.timeoutMs
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    problem(value('timeoutMs'), `"timeoutMs" must be a positive number of ms, got ${describeValue(timeoutMs)}`)
  }

  const close = raw.close
  if (close !== undefined) checkClose(close, problem)

  if (dir === 'out') {
    if (match !== undefined) problem(key('match'), '"match" is for "in" entries; on an "out" entry use "waitFor" to wait for a client message first')
    if (json !== undefined) problem(key('json'), '"json" is for "in" entries; on an "out" entry use "waitForJson" to wait for a JSON client message first')
    const waits = waitFor !== undefined || waitForJson !== undefined
    // A waitFor alone is a pure wait (what a scenario's trailing waitFor compiles to).
    if (text === undefined && binary === undefined && close === undefined && !waits) {
      problem(AT_OBJECT, 'an "out" entry needs "text", "binary", "close", "waitFor" or "waitForJson"')
    }
    if (waitFor !== undefined && waitForJson !== undefined) problem(key('waitForJson'), 'an entry waits for "waitFor" (a regex) or "waitForJson" (JSON), not both')
    if (timeoutMs !== undefined && !waits) problem(key('timeoutMs'), '"timeoutMs" has no effect on an "out" entry without "waitFor"')
    if (capture !== undefined && !waits) problem(key('capture'), '"capture" on an "out" entry needs "waitFor" or "waitForJson": it reads the client message that satisfies the wait')
  } else if (dir === 'in') {
    if (waitFor !== undefined) problem(key('waitFor'), '"waitFor" is for "out" entries; on an "in" entry use "match" for the regex the client message must match')
    if (waitForJson !== undefined) problem(key('waitForJson'), '"waitForJson" is for "out" entries; on an "in" entry use "json" for the JSON the client message must contain')
    if (close !== undefined) problem(key('close'), '"close" is for "out" entries; the server cannot expect a close here')
    if (text === undefined && binary === undefined && match === undefined && json === undefined) {
      problem(AT_OBJECT, 'an "in" entry needs "text" (the exact message), "match" (a regex), "json" (a JSON subset) or "binary"')
    }
    if (match !== undefined && binary !== undefined) problem(key('match'), '"match" tests text messages; use "match" or "binary", not both')
    if (json !== undefined) {
      if (match !== undefined) problem(key('json'), 'an "in" entry matches with "json" or "match", not both')
      if (text !== undefined) problem(key('json'), 'an "in" entry expects "text" (exact) or "json" (a JSON subset), not both')
      if (binary !== undefined) problem(key('json'), '"json" tests text messages; use "json" or "binary", not both')
    }
    if (capture !== undefined && binary !== undefined) problem(key('capture'), '"capture" reads JSON text messages; an entry expecting "binary" cannot capture')
  }

  let template: CompiledTemplate | undefined
  if (dir === 'out' && typeof text === 'string' && text.includes(OPEN_TOKEN)) {
    // With templates off, `\{{` still stands for a literal `{{`, so a recording plays byte for byte either way.
    template = run.expandTemplates ? compileText(text, run, problem) : compileLiteral(text)
  }

  if (problems) return problems
  const step: PlayStep = {
    index: run.steps.length,
    origin: { file: run.file, line },
    ts: validTs as number,
    dir: dir as 'in' | 'out',
    entry,
  }
  if (typeof text === 'string') step.text = text
  if (template && !template.isStatic) step.template = template
  if (bytes) step.binary = bytes
  if (waitFor instanceof RegExp) step.waitFor = waitFor
  if (match instanceof RegExp) step.match = match
  if (json !== undefined && json !== null) step.json = json.value
  if (waitForJson !== undefined && waitForJson !== null) step.waitForJson = waitForJson.value
  if (capture) step.capture = capture
  if (typeof timeoutMs === 'number') step.timeoutMs = timeoutMs
  if (close !== undefined) step.close = entry.close as ReplayClose
  run.steps.push(step)
  return undefined
}

/** Returns `{ value }` for a valid JSON field, `null` when present but invalid, `undefined` when absent. */
function checkJson(raw: Record<string, unknown>, field: 'json' | 'waitForJson', problem: (w: Where, m: string) => void): { value: JsonValue } | null | undefined {
  if (!(field in raw)) return undefined
  const found = raw[field]
  // From a file every value is JSON; entries built in code may hold anything.
  const bad = found === undefined ? '$ is undefined' : jsonValueProblem(found)
  if (bad !== undefined) {
    problem(value(field), `"${field}" must be a JSON value (an object subset, array or scalar): ${bad.replace(/^\$/, field)}`)
    return null
  }
  return { value: found as JsonValue }
}

/** Returns the compiled captures, `null` when the field is present but invalid, `undefined` when absent. */
function checkCapture(raw: unknown, problem: (w: Where, m: string) => void): CompiledCapture[] | null | undefined {
  if (raw === undefined) return undefined
  if (!isPlainObject(raw)) {
    problem(value('capture'), `"capture" must be an object of names to paths like {"id":"$.id"}, got ${describeValue(raw)}`)
    return null
  }
  const captures: CompiledCapture[] = []
  let ok = true
  for (const name of Object.keys(raw)) {
    const path = raw[name]
    if (!CAPTURE_NAME.test(name)) {
      problem(key('capture', name), `capture name ${JSON.stringify(shorten(name))} is not usable as {{match.NAME}}; use letters, digits, "_" or "$", not starting with a digit`)
      ok = false
    }
    if (typeof path !== 'string') {
      problem(value('capture', name), `capture "${shorten(name)}" must be a path string like "$.id", got ${describeValue(path)}`)
      ok = false
      continue
    }
    const parsed = parseCapturePath(path)
    if (!parsed.ok) {
      problem({ kind: 'char', path: ['capture', name], index: parsed.problem.index }, `capture "${shorten(name)}" has a bad path ${shorten(JSON.stringify(path))}: ${parsed.problem.message}`)
      ok = false
      continue
    }
    captures.push({ name, path: parsed.path })
  }
  return ok ? captures : null
}

/** Why a regex source was refused: a syntax error, or a catastrophic-backtracking shape at `index`. */
interface RegexProblem {
  kind: 'syntax' | 'hazard'
  cause: string
  index?: number
}

/** Returns the compiled regex, `null` when the field is present but invalid, `undefined` when absent. */
function compileRegex(raw: Record<string, unknown>, field: 'waitFor' | 'match', run: EntryRun, problem: (w: Where, m: string) => void): RegExp | null | undefined {
  const source = raw[field]
  if (source === undefined) return undefined
  if (typeof source !== 'string') {
    problem(value(field), `"${field}" must be a string holding a regex (JS syntax, no slashes), got ${describeValue(source)}`)
    return null
  }
  let compiled = run.regexes.get(source)
  if (compiled === undefined) {
    try {
      compiled = new RegExp(source)
    } catch (error) {
      compiled = { kind: 'syntax', cause: errorMessage(error).replace(/^Invalid regular expression: /, '') }
    }
    // Matching runs on the event loop: one exponential pattern would stall every connection of the mock.
    const hazard = compiled instanceof RegExp ? findRegexHazard(source) : undefined
    if (hazard) compiled = { kind: 'hazard', cause: hazard.message, index: hazard.index }
    if (run.regexes.size < MAX_CACHED_REGEXES) run.regexes.set(source, compiled)
  }
  if (compiled instanceof RegExp) return compiled
  if (compiled.kind === 'syntax') problem(value(field), `"${field}" is not a valid regex: ${compiled.cause}`)
  else problem({ kind: 'char', path: [field], index: compiled.index ?? 0 }, `"${field}" regex ${compiled.cause}`)
  return null
}

function compileText(text: string, run: EntryRun, problem: (w: Where, m: string) => void): CompiledTemplate | undefined {
  const templateOpts = run.faker ? { faker: run.faker } : {}
  try {
    const template = compileTemplate(text, templateOpts)
    if (template.usesFaker) run.usesFaker = true
    return template
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error
    const all = findTemplateIssues(text, templateOpts)
    if (all.length === 0) problem({ kind: 'char', path: ['text'], index: error.index }, error.message)
    for (const issue of all) problem({ kind: 'char', path: ['text'], index: issue.index }, issue.message)
    return undefined
  }
}

function checkClose(close: unknown, problem: (w: Where, m: string) => void): void {
  if (!isPlainObject(close)) {
    problem(value('close'), `"close" must be an object like {"code":1000,"reason":"bye"}, got ${describeValue(close)}`)
    return
  }
  for (const name of Object.keys(close)) {
    if (!CLOSE_FIELD_SET.has(name)) problem(key('close', name), unknownField(name, 'close.', CLOSE_FIELDS))
  }
  const code = close.code
  if (code !== undefined) {
    if (typeof code !== 'number' || !Number.isInteger(code)) {
      problem(value('close', 'code'), `close "code" must be an integer, got ${describeValue(code)}; use ${CLOSE_CODE_RULE}`)
    } else if (!isScriptCloseCode(code)) {
      problem(value('close', 'code'), `close code ${code} cannot be sent; use ${CLOSE_CODE_RULE}`)
    }
  }
  const reason = close.reason
  if (reason !== undefined) {
    if (typeof reason !== 'string') problem(value('close', 'reason'), `close "reason" must be a string, got ${describeValue(reason)}`)
    else if (code === CLOSE_ABNORMAL && reason !== '') {
      problem(value('close', 'reason'), `close code ${CLOSE_ABNORMAL} drops the connection without a close frame, so it carries no "reason"; remove it`)
    } else {
      const size = utf8Length(reason)
      if (size > MAX_CLOSE_REASON_BYTES) {
        problem(value('close', 'reason'), `close "reason" is ${size} bytes of UTF-8; a close frame holds at most ${MAX_CLOSE_REASON_BYTES}`)
      }
    }
  }
}

/** Strict standard base64 (RFC 4648 §4): the alphabet, `=` padding only at the end; missing padding is tolerated. */
function findBase64Problem(s: string): { index: number; message: string } | undefined {
  let end = s.length
  let pad = 0
  while (end > 0 && s.charCodeAt(end - 1) === 0x3d && pad < 2) {
    end--
    pad++
  }
  for (let i = 0; i < end; i++) {
    const c = s[i] as string
    if (!BASE64_CHAR.test(c)) {
      const hint = c === '-' || c === '_' ? ' (base64url? use "+" and "/" instead of "-" and "_")' : c === '=' ? ' (padding only at the end)' : ''
      return { index: i, message: `unexpected ${JSON.stringify(c)} at offset ${i}${hint}` }
    }
  }
  const rest = end % 4
  if (rest === 1) return { index: Math.max(0, end - 1), message: `${end} characters cannot encode whole bytes (a character is missing or extra)` }
  if (pad > 0 && (end + pad) % 4 !== 0) return { index: end, message: `wrong "=" padding for ${end} characters` }
  return undefined
}

function unknownField(name: string, prefix: string, known: readonly string[]): string {
  const suggestion = suggestField(name, known)
  if (suggestion !== undefined) return `unknown field "${prefix}${name}"; did you mean "${prefix}${suggestion}"?`
  return `unknown field "${prefix}${name}"; known fields: ${known.map((k) => prefix + k).join(', ')}`
}

function suggestField(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase()
  let best: string | undefined
  let bestDistance = MAX_TYPO_DISTANCE + 1
  for (const candidate of known) {
    const d = editDistance(lower, candidate.toLowerCase())
    // Short names are too easily one or two edits from another short name.
    if (d < bestDistance && d < Math.min(candidate.length, name.length)) {
      best = candidate
      bestDistance = d
    }
  }
  if (best !== undefined) return best
  const alias = FIELD_ALIASES[lower]
  return alias !== undefined && known.includes(alias) ? alias : undefined
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost)
    }
    prev = cur
  }
  return prev[b.length] as number
}

