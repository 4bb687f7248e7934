// The replay line driver: splits JSON Lines text (or walks an entry array), parses each line, hands
// the entry to the rules in entry-rules.ts, and turns each problem into file:line:column. Syntax
// messages are in json-syntax.ts; undecodable bytes are reported by decode.ts before text gets here.
import type { Node as JsonNode } from 'jsonc-parser'
import { ReplayParseError } from '../errors.js'
import type { ReplayIssue } from '../errors.js'
import type { FakerLike } from '../template/context.js'
import { jsonValueProblem } from '../scenario/json-subset.js'
import { describeValue } from '../session/describe.js'
import { checkEntry, isPlainObject } from './entry-rules.js'
import type { EntryRun, Problem, Where } from './entry-rules.js'
import { describeJsonError, safeParseTree } from './json-syntax.js'
import type { CompiledReplay, ReplayEntry } from './types.js'

/** File name used in issues and origins when the replay did not come from a file. */
export const INLINE_SOURCE = '<inline>'
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

/** State shared by the entries of one replay: the rules' state plus the issues found so far. */
interface Run extends EntryRun {
  readonly issues: ReplayIssue[]
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
