import { parseTree, printParseErrorCode } from 'jsonc-parser'
import type { Node as JsonNode, ParseError as JsoncError, ParseOptions as JsoncOptions } from 'jsonc-parser'
import { ReplayParseError, TemplateError } from '../errors.js'
import type { ReplayIssue } from '../errors.js'
import { compileTemplate, findTemplateIssues } from '../template/compile.js'
import type { CompiledTemplate } from '../template/compile.js'
import { compileLiteral } from '../template/escape.js'
import type { FakerLike } from '../template/context.js'
import { fromBase64, utf8Length } from './bytes.js'
import { previewJson, showInvisible } from './preview.js'
import { jsonValueProblem } from '../scenario/json-subset.js'
import type { JsonValue } from '../scenario/json-subset.js'
import { CAPTURE_NAME, parseCapturePath } from './capture-path.js'
import type { CompiledCapture } from './capture-path.js'
import { findRegexHazard } from './regex-guard.js'
import type { CompiledReplay, PlayStep, ReplayClose, ReplayEntry } from './types.js'

// Kept here too because the scenario builder imports it from this module.
export { toJSONL } from './serialize.js'

/** File name used in issues and origins when the replay did not come from a file. */
export const INLINE_SOURCE = '<inline>'
/** Longest close reason a WebSocket close frame can carry, in UTF-8 bytes (RFC 6455 §5.5). */
export const MAX_CLOSE_REASON_BYTES = 123
/** The fields of a replay entry, in the canonical order `toJSONL` writes them. */
export const REPLAY_FIELDS = ['ts', 'dir', 'text', 'binary', 'json', 'waitFor', 'waitForJson', 'match', 'capture', 'timeoutMs', 'close'] as const

const CLOSE_FIELDS = ['code', 'reason'] as const
// The codes ws agrees to send: registered ones except 1004-1006 (reserved, never on the wire), and the
// application range 3000-4999; 1015 and 1016-2999 are reserved too.
const MIN_PROTOCOL_CLOSE_CODE = 1000
const MAX_PROTOCOL_CLOSE_CODE = 1014
const RESERVED_CLOSE_CODES: ReadonlySet<number> = new Set([1004, 1005, 1006])
const MIN_APP_CLOSE_CODE = 3000
const MAX_APP_CLOSE_CODE = 4999
// 1006 is what a client sees when a connection drops without a close frame; in a replay it means exactly that.
const DROP_CLOSE_CODE = 1006
const CLOSE_CODE_RULE = '1000 (normal), 1001-1003, 1007-1014 or an application code 3000-4999'
/** Longest value quoted verbatim in an issue message. */
const MAX_SHOWN_VALUE_LENGTH = 40
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
const JSONC_OPTIONS: JsoncOptions = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false }
const BASE64_CHAR = /[A-Za-z0-9+/]/
const HEX4 = /^[0-9a-fA-F]{4}$/
const SIMPLE_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't'])
const OPEN_TOKEN = '{{'
const BYTE_ORDER_MARK = 0xfeff
const LEFT_BRACE = 0x7b

/** Options of `parseReplay`, `compileEntries` and `parseJsonlEntries`. */
export interface ParseReplayOptions {
  /** File name shown in issues and step origins (default `<inline>`). */
  file?: string
  /** Parse `out` texts as templates and reject bad tokens (default `true`). */
  expandTemplates?: boolean
  /** When given, `{{faker.PATH}}` tokens must name a function of this faker. */
  faker?: FakerLike
}

/** Where in an entry a problem is; turned into a column once the line's syntax tree is known. */
type Where =
  | { kind: 'object' }
  | { kind: 'key'; path: readonly string[] }
  | { kind: 'value'; path: readonly string[] }
  | { kind: 'char'; path: readonly string[]; index: number }

interface Problem {
  where: Where
  message: string
}

const AT_OBJECT: Where = { kind: 'object' }
const key = (...path: string[]): Where => ({ kind: 'key', path })
const value = (...path: string[]): Where => ({ kind: 'value', path })

/** State shared by the entries of one replay. */
interface Run {
  readonly file: string
  readonly expandTemplates: boolean
  readonly faker: FakerLike | undefined
  readonly regexes: Map<string, RegExp | RegexProblem>
  readonly steps: PlayStep[]
  readonly issues: ReplayIssue[]
  prevTs: number | undefined
  prevLine: number
  usesFaker: boolean
}

function startRun(opts: ParseReplayOptions): Run {
  return {
    file: opts.file ?? INLINE_SOURCE,
    expandTemplates: opts.expandTemplates ?? true,
    faker: opts.faker,
    regexes: new Map(),
    steps: [],
    issues: [],
    prevTs: undefined,
    prevLine: 0,
    usesFaker: false,
  }
}

function finishRun(run: Run): CompiledReplay {
  if (run.issues.length > 0) throw new ReplayParseError(run.issues)
  return { source: run.file, steps: run.steps, usesFaker: run.usesFaker }
}

/**
 * Parses and validates replay JSON Lines, collecting every problem into one `ReplayParseError`.
 * @example
 * const replay = parseReplay('{"ts":0,"dir":"out","text":"hello {{uuid}}"}\n', { file: 'hello.jsonl' })
 * replay.steps[0]?.template?.render(createTemplateContext())
 */
export function parseReplay(text: string, opts: ParseReplayOptions = {}): CompiledReplay {
  const run = startRun(opts)
  if (typeof text !== 'string') {
    run.issues.push({ file: run.file, line: 1, column: 1, message: `expected JSON Lines text, got ${describeValue(text)}` })
    return finishRun(run)
  }
  const source = text.charCodeAt(0) === BYTE_ORDER_MARK ? text.slice(1) : text
  const lines = source.split('\n')
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] as string
    if (line.charCodeAt(line.length - 1) === 0x0d) line = line.slice(0, -1)
    // Entries start with `{`; only other lines need the (allocating) blank check.
    if (line.charCodeAt(0) !== LEFT_BRACE && line.trim() === '') continue
    const lineNo = i + 1
    let parsed: unknown
    try {
      parsed = JSON.parse(line)
    } catch (error) {
      const found = describeJsonError(line, error)
      run.issues.push({ file: run.file, line: lineNo, column: found.offset + 1, message: found.message })
      continue
    }
    const problems = checkEntry(parsed, run, lineNo, parsed as ReplayEntry)
    if (problems) report(run, lineNo, problems, line)
  }
  return finishRun(run)
}

/**
 * Validates and compiles in-memory replay entries as strictly as file lines (line = index + 1).
 * @example
 * const replay = compileEntries([{ ts: 0, dir: 'in', match: '^PING$' }, { ts: 5, dir: 'out', text: 'PONG' }])
 */
export function compileEntries(entries: readonly ReplayEntry[], opts: ParseReplayOptions = {}): CompiledReplay {
  const run = startRun(opts)
  if (!Array.isArray(entries)) {
    run.issues.push({ file: run.file, line: 1, column: 1, message: `expected an array of replay entries, got ${describeValue(entries)}` })
    return finishRun(run)
  }
  for (let i = 0; i < entries.length; i++) {
    const raw: unknown = entries[i]
    // A copy, so later changes to the caller's objects cannot alter a validated replay.
    const problems = checkEntry(raw, run, i + 1, isPlainObject(raw) ? copyEntry(raw) : undefined)
    if (problems) report(run, i + 1, problems, undefined)
  }
  return finishRun(run)
}

/**
 * Parses and validates replay JSON Lines into plain entries (the form `toJSONL` writes back).
 * @example
 * const entries = parseJsonlEntries(fs.readFileSync('chat.jsonl', 'utf8'), { file: 'chat.jsonl' })
 */
export function parseJsonlEntries(text: string, opts: ParseReplayOptions = {}): ReplayEntry[] {
  return parseReplay(text, opts).steps.map((step) => step.entry)
}

function report(run: Run, line: number, problems: Problem[], text: string | undefined): void {
  const locate = text === undefined ? () => 0 : locator(text)
  const found = problems.map((p) => ({ column: locate(p.where) + 1, message: p.message }))
  // Stable sort: problems at the same place keep the order they were found in.
  found.sort((a, b) => a.column - b.column)
  for (const f of found) run.issues.push({ file: run.file, line, column: f.column, message: f.message })
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function copyEntry(raw: Record<string, unknown>): ReplayEntry {
  const copy: Record<string, unknown> = { ...raw }
  if (isPlainObject(raw.close)) copy.close = { ...raw.close }
  if (isPlainObject(raw.capture)) copy.capture = { ...raw.capture }
  // Only JSON values can be cloned safely; anything else is reported as it is by checkEntry.
  for (const field of ['json', 'waitForJson'] as const) {
    if (raw[field] !== undefined && jsonValueProblem(raw[field]) === undefined) copy[field] = structuredClone(raw[field])
  }
  return copy as unknown as ReplayEntry
}

/** Validates one entry; on success pushes its step and returns undefined, otherwise returns its problems. */
function checkEntry(raw: unknown, run: Run, line: number, entry: ReplayEntry | undefined): Problem[] | undefined {
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
function compileRegex(raw: Record<string, unknown>, field: 'waitFor' | 'match', run: Run, problem: (w: Where, m: string) => void): RegExp | null | undefined {
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
      compiled = { kind: 'syntax', cause: (error instanceof Error ? error.message : String(error)).replace(/^Invalid regular expression: /, '') }
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

function compileText(text: string, run: Run, problem: (w: Where, m: string) => void): CompiledTemplate | undefined {
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
    } else if (code !== DROP_CLOSE_CODE && !isSendableCloseCode(code)) {
      problem(value('close', 'code'), `close code ${code} cannot be sent; use ${CLOSE_CODE_RULE}`)
    }
  }
  const reason = close.reason
  if (reason !== undefined) {
    if (typeof reason !== 'string') problem(value('close', 'reason'), `close "reason" must be a string, got ${describeValue(reason)}`)
    else if (code === DROP_CLOSE_CODE && reason !== '') {
      problem(value('close', 'reason'), `close code ${DROP_CLOSE_CODE} drops the connection without a close frame, so it carries no "reason"; remove it`)
    } else {
      const size = utf8Length(reason)
      if (size > MAX_CLOSE_REASON_BYTES) {
        problem(value('close', 'reason'), `close "reason" is ${size} bytes of UTF-8; a close frame holds at most ${MAX_CLOSE_REASON_BYTES}`)
      }
    }
  }
}

function isSendableCloseCode(code: number): boolean {
  if (code >= MIN_APP_CLOSE_CODE && code <= MAX_APP_CLOSE_CODE) return true
  return code >= MIN_PROTOCOL_CLOSE_CODE && code <= MAX_PROTOCOL_CLOSE_CODE && !RESERVED_CLOSE_CODES.has(code)
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

function describeValue(v: unknown): string {
  if (v === null) return 'null'
  // previewJson is depth-bounded: JSON.stringify/String recurse per level and overflow on deep values.
  if (Array.isArray(v)) return `an array ${previewJson(v, MAX_SHOWN_VALUE_LENGTH)}`
  switch (typeof v) {
    case 'string':
      return `the string ${shorten(JSON.stringify(v.slice(0, MAX_SHOWN_VALUE_LENGTH + 1)))}`
    case 'number':
    case 'boolean':
      return String(v)
    case 'object':
      return `an object ${previewJson(v, MAX_SHOWN_VALUE_LENGTH)}`
    case 'bigint':
      return `${v}n`
    default:
      return typeof v
  }
}

function shorten(s: string): string {
  return s.length <= MAX_SHOWN_VALUE_LENGTH ? s : `${s.slice(0, MAX_SHOWN_VALUE_LENGTH - 1)}…`
}

// ---------------------------------------------------------------------------------------------
// Columns. Only lines with problems get here, so valid files never pay for a second parse.

/** Returns a function giving the 0-based offset in `line` of a problem's place. */
function locator(line: string): (where: Where) => number {
  let root: JsonNode | undefined
  let parsed = false
  return (where) => {
    if (!parsed) {
      root = safeParseTree(line, [])
      parsed = true
    }
    if (!root) return shallowLocate(line, where)
    const start = root.offset
    if (where.kind === 'object') return start
    const property = findProperty(root, where.path)
    if (!property) return start
    const [keyNode, valueNode] = property.children ?? []
    if (where.kind === 'key' || !valueNode) return keyNode ? keyNode.offset : property.offset
    if (where.kind === 'char' && valueNode.type === 'string') return valueNode.offset + 1 + rawIndex(line, valueNode.offset + 1, where.index)
    return valueNode.offset
  }
}

/**
 * Column of a problem on a line too deep for jsonc-parser: a flat scan of the top-level object's
 * keys, without recursion, so a 200,000-deep value still gets the column of its field.
 */
function shallowLocate(line: string, where: Where): number {
  const start = line.length - line.trimStart().length
  if (where.kind === 'object' || line[start] !== '{') return start
  const name = where.path[0]
  let depth = 0
  let i = start
  // JSON.parse keeps the last of duplicate keys, so the last one found wins.
  let found = start
  while (i < line.length) {
    const c = line.charCodeAt(i)
    if (c === 0x22) {
      const end = stringEnd(line, i)
      if (depth === 1 && line.slice(i + 1, end - 1) === name) {
        let colon = end
        while (colon < line.length && line[colon] !== ':') colon++
        if (line[colon] === ':') {
          let v = colon + 1
          while (v < line.length && (line[v] === ' ' || line[v] === '\t')) v++
          if (where.kind === 'key') found = i
          else found = where.kind === 'char' && line[v] === '"' && where.path.length === 1 ? v + 1 + rawIndex(line, v + 1, where.index) : v
        }
      }
      i = end
      continue
    }
    if (c === 0x7b || c === 0x5b) depth++
    else if (c === 0x7d || c === 0x5d) depth--
    i++
  }
  return found
}

/** Offset just past the closing quote of the JSON string opening at `quote`. */
function stringEnd(line: string, quote: number): number {
  let i = quote + 1
  while (i < line.length) {
    const c = line.charCodeAt(i)
    if (c === 0x5c) i += 2
    else if (c === 0x22) return i + 1
    else i++
  }
  return line.length
}

/** jsonc-parser recurses per nesting level; a pathologically deep line must cost a column, not the whole report. */
function safeParseTree(line: string, errors: JsoncError[]): JsonNode | undefined {
  try {
    return parseTree(line, errors, JSONC_OPTIONS)
  } catch {
    errors.length = 0
    return undefined
  }
}

function findProperty(root: JsonNode, path: readonly string[]): JsonNode | undefined {
  let node: JsonNode | undefined = root
  let property: JsonNode | undefined
  for (const name of path) {
    if (!node || node.type !== 'object') return property
    let found: JsonNode | undefined
    // JSON.parse keeps the last of duplicate keys, so point at the last one too.
    for (const child of node.children ?? []) if (child.children?.[0]?.value === name) found = child
    if (!found) return property
    property = found
    node = found.children?.[1]
  }
  return property
}

/** Offset (relative to `start`, just after the opening quote) of the raw characters that decode to code unit `index`. */
function rawIndex(line: string, start: number, index: number): number {
  let raw = start
  for (let decoded = 0; decoded < index && raw < line.length; decoded++) {
    if (line.charCodeAt(raw) !== 0x5c) raw++
    else raw += line[raw + 1] === 'u' ? 6 : 2
  }
  return raw - start
}

/** Finds where and why a line is not JSON, with messages that do not depend on the Node version. */
function describeJsonError(line: string, error: unknown): { offset: number; message: string } {
  const errors: JsoncError[] = []
  safeParseTree(line, errors)
  const first = errors[0]
  if (first) return describeJsoncError(line, first)
  // jsonc-parser accepted what JSON.parse refused: fall back to V8's position.
  const text = error instanceof Error ? error.message : String(error)
  const position = /position (\d+)/.exec(text)
  return { offset: position ? Number(position[1]) : 0, message: `invalid JSON: ${text.replace(/ in JSON at position.*$/, '')}` }
}

function describeJsoncError(line: string, e: JsoncError): { offset: number; message: string } {
  const at = e.offset
  // A raw NUL or a stray U+FEFF prints as nothing: name it instead.
  const token = showInvisible(line.slice(at, at + Math.max(1, e.length)))
  const atEnd = at >= line.length
  const previous = line.slice(0, at).trimEnd().slice(-1)
  const trailingComma = previous === ',' ? ' (trailing comma?)' : ''
  const bad = (message: string, offset = at): { offset: number; message: string } => ({ offset, message: `invalid JSON: ${message}` })
  switch (printParseErrorCode(e.error)) {
    case 'InvalidSymbol':
      if (token.startsWith("'")) return bad(`unexpected ${shorten(token)}; strings and keys need double quotes`)
      if (/^-?(?:NaN|Infinity)$|^undefined$/.test(token)) return bad(`${token} is not a JSON value`)
      if (previous === '{' || previous === ',') return bad(`unexpected ${shorten(token)}; property names need double quotes`)
      return bad(`unexpected ${shorten(token)}`)
    case 'InvalidNumberFormat':
    case 'UnexpectedEndOfNumber':
      return bad(`malformed number ${shorten(token)}`)
    case 'PropertyNameExpected':
      if (atEnd) return bad('unexpected end of line, expected a property name (an entry must fit on one line)')
      return bad(`expected a double-quoted property name${trailingComma}`)
    case 'ValueExpected':
      return atEnd ? bad('unexpected end of line, expected a value') : bad(`expected a value, got ${shorten(token)}${trailingComma}`)
    case 'ColonExpected':
      return bad('expected ":" after the property name')
    case 'CommaExpected':
      if (/[0-9]/.test(token) && /[0-9]/.test(previous)) return bad('numbers cannot have leading zeros')
      return bad(`expected "," before ${shorten(token)}`)
    case 'CloseBraceExpected':
      return atEnd ? bad('unexpected end of line, expected "}" (an entry must fit on one line)') : bad(`expected "," or "}", got ${shorten(token)}`)
    case 'CloseBracketExpected':
      return atEnd ? bad('unexpected end of line, expected "]" (an entry must fit on one line)') : bad(`expected "," or "]", got ${shorten(token)}`)
    case 'EndOfFileExpected':
      return bad(`unexpected ${shorten(token)} after the value; write one JSON object per line`)
    case 'InvalidCommentToken':
    case 'UnexpectedEndOfComment':
      return bad('comments are not allowed')
    case 'UnexpectedEndOfString':
    case 'InvalidUnicode':
    case 'InvalidEscapeCharacter':
    case 'InvalidCharacter': {
      const found = line[at] === '"' ? scanStringProblem(line, at) : undefined
      return found ? bad(found.message, found.offset) : bad(`unexpected ${shorten(token)}`)
    }
    default:
      return bad(`unexpected ${shorten(token)}`)
  }
}

/** Walks a JSON string from its opening quote and reports the first character that breaks it. */
function scanStringProblem(line: string, quote: number): { offset: number; message: string } | undefined {
  let i = quote + 1
  while (i < line.length) {
    const c = line.charCodeAt(i)
    if (c === 0x22) return undefined
    if (c === 0x5c) {
      const next = line[i + 1]
      if (next === undefined) break
      if (SIMPLE_ESCAPES.has(next)) i += 2
      else if (next === 'u') {
        const hex = line.slice(i + 2, i + 6)
        if (!HEX4.test(hex)) return { offset: i, message: `bad escape ${shorten(line.slice(i, i + 6))}; \\u needs 4 hex digits` }
        i += 6
      } else return { offset: i, message: `bad escape \\${next} in a string` }
    } else if (c < 0x20) {
      const hex = c.toString(16).padStart(4, '0')
      return { offset: i, message: `control character U+${hex.toUpperCase()} in a string; escape it (\\n, \\t, \\u${hex})` }
    } else i++
  }
  return { offset: quote, message: 'unterminated string' }
}
