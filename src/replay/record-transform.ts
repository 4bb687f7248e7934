// Turns recorded frames (a mock's transcript, a HAR's WebSocket messages) into replay entries that a
// fresh client can satisfy: the one place where `inbound`, `correlate`, `ignore` and `volatile` are
// applied, shared by `toReplay()`, `record()`, `vcr()`, `fromHar()`, `routeFromReplay()` and the CLI.
// Free of Node-only APIs so that the MSW adapter can use it in a browser.
import {
  CORRELATE_MAX_VALUES_PER_MESSAGE,
  CORRELATE_MIN_ID_LENGTH,
  CORRELATE_MIN_NUMBER,
  CORRELATE_MIN_WORDLESS_LENGTH,
  VOLATILE_EPOCH_WINDOW_MS,
} from '../constants.js'
import { MockWsError } from '../errors.js'
import { escapeRegExp, type JsonValue } from '../scenario/json-subset.js'
import type { TranscriptFrame } from '../server/types.js'
import { escapeTemplateText } from '../template/escape.js'
import { toBase64 } from '../session/bytes.js'
import { isShutdownClose } from './shutdown-close.js'
import type { ReplayEntry } from './types.js'

/** How recorded client messages are matched on replay. */
export type InboundMatching = 'json' | 'exact' | 'any'

/** Whether values that look generated (UUIDs, ISO timestamps, epoch numbers near the recording time) are left out of `in` entries. */
export type VolatileMode = 'auto' | 'none'

/**
 * How a recording becomes replay entries (options of `record`, `toReplay`, `toJSONL`, `vcr`, `fromHar` and the CLI).
 * @example
 * const opts: RecordTransformOptions = { inbound: 'json', correlate: true, ignore: ['$.payload.ts'], volatile: 'auto' }
 */
export interface RecordTransformOptions {
  /** `'json'` (default): JSON client messages become `json` entries without volatile values; `'exact'`: exact text/bytes; `'any'`: any frame satisfies the step. */
  inbound?: InboundMatching
  /** Client values that come back in later server frames become captures and `{{match.NAME}}` tokens (default true). */
  correlate?: boolean
  /** JSON paths (`$.id`, `$.payload.ts`, `$.items[*].at`) left out of recorded `in` entries. */
  ignore?: readonly string[]
  /** `'auto'` (default) leaves generated-looking values out of `in` entries; `'none'` keeps them. */
  volatile?: VolatileMode
}

/** One segment of a JSON path: an object key, an array index, or `*` (any key or index). */
export type JsonPathSegment = { key: string } | { index: number } | { any: true }

/** Record options validated, with every default filled in. */
export interface ResolvedRecordTransform {
  readonly inbound: InboundMatching
  readonly correlate: boolean
  readonly ignore: readonly (readonly JsonPathSegment[])[]
  readonly volatile: VolatileMode
}

/**
 * A replay entry as the record transform writes it (with `json` and `capture` where it correlates).
 * @example
 * const entry: VcrEntry = { ts: 0, dir: 'in', json: { type: 'subscribe' }, capture: { id: '$.id' } }
 */
export type VcrEntry = ReplayEntry

/** One recorded frame, as in a transcript (`ts` ms since the connection opened). */
export interface RecordedFrame {
  ts: number
  dir: 'in' | 'out'
  text?: string
  binary?: Uint8Array
  close?: { code?: number; reason?: string }
}

/** Where the recording happened in wall-clock time, for telling generated timestamps from fixed ones. */
export interface RecordingContext {
  /** Epoch ms the recording was made at (default: now). */
  recordedAt?: number
}

const INBOUND_MODES: readonly InboundMatching[] = ['json', 'exact', 'any']
const VOLATILE_MODES: readonly VolatileMode[] = ['auto', 'none']
const RECORD_OPTION_KEYS = new Set(['inbound', 'correlate', 'ignore', 'volatile'])

/** Regex of an `in` entry that any frame satisfies (binary frames are matched as their base64 text). */
export const MATCH_ANY_FRAME = '[\\s\\S]*'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?$/
/** Characters of an id in text protocols: a token is a maximal run of them. */
const TOKEN_CHAR = /[A-Za-z0-9_-]/
const TEXT_TOKENS = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?|[A-Za-z0-9_-]+/g
/** JSON strings that can be correlated: id-like, nothing a template or a JSON string would need escaped. */
const CORRELATABLE_STRING = /^[A-Za-z0-9][A-Za-z0-9_.:@+=/-]*$/
const IDENTIFIER_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/
const KEY_BEFORE_TOKEN = /([A-Za-z][A-Za-z0-9_-]*)["']?\s*[:=]\s*["']?$/

/** Parses a JSON path of the `ignore` option: `$`, then `.key`, `["key"]`, `[0]`, `.*` or `[*]` segments. */
export function parseJsonPath(path: string): JsonPathSegment[] {
  const problem = (why: string): never => {
    throw new MockWsError('WSM_CONFIG', `Failed to parse JSON path ${JSON.stringify(path)}: ${why}. Write paths like $.payload.ts, $.items[0] or $.items[*].id.`)
  }
  if (typeof path !== 'string' || !path.startsWith('$')) problem('it must start with $')
  const segments: JsonPathSegment[] = []
  let at = 1
  while (at < path.length) {
    const rest = path.slice(at)
    let m: RegExpExecArray | null
    if ((m = /^\.\*/.exec(rest)) || (m = /^\[\*\]/.exec(rest))) segments.push({ any: true })
    else if ((m = /^\.([A-Za-z_$][A-Za-z0-9_$-]*)/.exec(rest))) segments.push({ key: m[1] ?? '' })
    else if ((m = /^\[(\d+)\]/.exec(rest))) segments.push({ index: Number(m[1]) })
    else if ((m = /^\[("(?:[^"\\]|\\.)*")\]/.exec(rest))) segments.push({ key: JSON.parse(m[1] ?? '""') as string })
    else if ((m = /^\['((?:[^'\\]|\\.)*)'\]/.exec(rest))) segments.push({ key: (m[1] ?? '').replace(/\\(.)/g, '$1') })
    else problem(`unexpected ${JSON.stringify(rest.slice(0, 12))} at offset ${at}`)
    at += (m as RegExpExecArray)[0].length
  }
  return segments
}

/**
 * Validates record options, reporting every problem at once, and fills in the defaults.
 * @example
 * resolveRecordTransform({ ignore: ['$.ts'] }).inbound // 'json'
 */
export function resolveRecordTransform(options: RecordTransformOptions = {}, what = 'record options'): ResolvedRecordTransform {
  const problems: string[] = []
  if (options.inbound !== undefined && !INBOUND_MODES.includes(options.inbound)) {
    problems.push(`inbound must be one of ${INBOUND_MODES.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(options.inbound)}`)
  }
  if (options.correlate !== undefined && typeof options.correlate !== 'boolean') problems.push(`correlate must be true or false, got ${JSON.stringify(options.correlate)}`)
  if (options.volatile !== undefined && !VOLATILE_MODES.includes(options.volatile)) {
    problems.push(`volatile must be 'auto' or 'none', got ${JSON.stringify(options.volatile)}`)
  }
  const ignore: JsonPathSegment[][] = []
  if (options.ignore !== undefined && !Array.isArray(options.ignore)) problems.push(`ignore must be an array of JSON paths, got ${JSON.stringify(options.ignore)}`)
  else {
    for (const [i, path] of (options.ignore ?? []).entries()) {
      try {
        ignore.push(parseJsonPath(path))
      } catch {
        problems.push(`ignore[${i}] ${JSON.stringify(path)} is not a JSON path like $.payload.ts`)
      }
    }
  }
  if (problems.length > 0) {
    throw new MockWsError('WSM_CONFIG', `Failed to configure ${what}: ${problems.join('; ')}. See docs/proxy-and-record.md (Recordings that replay against real clients).`)
  }
  return { inbound: options.inbound ?? 'json', correlate: options.correlate ?? true, ignore, volatile: options.volatile ?? 'auto' }
}

/** The record options (`inbound`, `correlate`, `ignore`, `volatile`) picked out of a larger options object. */
export function pickRecordTransform(options: object): RecordTransformOptions {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(options)) if (RECORD_OPTION_KEYS.has(key) && value !== undefined) out[key] = value
  return out as RecordTransformOptions
}

function isResolved(options: RecordTransformOptions | ResolvedRecordTransform): options is ResolvedRecordTransform {
  return (
    typeof options.inbound === 'string' &&
    typeof options.correlate === 'boolean' &&
    typeof options.volatile === 'string' &&
    Array.isArray(options.ignore) &&
    options.ignore.every((p) => Array.isArray(p))
  )
}

/**
 * True for values that look generated: UUIDs, ISO-8601 timestamps, and epoch ms (or s) numbers
 * (or digit strings) within `VOLATILE_EPOCH_WINDOW_MS` of `recordedAt`.
 * @example
 * isVolatileValue('2b8c1f62-8a0e-4f57-9b1c-3b8e6f0d2a11', Date.now()) // true
 */
export function isVolatileValue(value: unknown, recordedAt: number): boolean {
  if (typeof value === 'string') {
    if (UUID.test(value)) return true
    if (ISO_TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value))) return true
    return /^\d{10,13}$/.test(value) && isNearEpoch(Number(value), recordedAt)
  }
  return typeof value === 'number' && Number.isInteger(value) && isNearEpoch(value, recordedAt)
}

function isNearEpoch(n: number, recordedAt: number): boolean {
  return Math.abs(n - recordedAt) <= VOLATILE_EPOCH_WINDOW_MS || Math.abs(n * 1000 - recordedAt) <= VOLATILE_EPOCH_WINDOW_MS
}

/**
 * True for client values long or odd enough that their coming back in a server frame is no coincidence:
 * strings of `CORRELATE_MIN_ID_LENGTH`+ id characters with a digit (or `CORRELATE_MIN_WORDLESS_LENGTH`+
 * without one), UUIDs and timestamps, and integers of six digits or more.
 * @example
 * isCorrelatable('sub-8f3a2b1c') // true; isCorrelatable('prices') // false; isCorrelatable(42) // false
 */
export function isCorrelatable(value: unknown): boolean {
  if (typeof value === 'number') return Number.isSafeInteger(value) && Math.abs(value) >= CORRELATE_MIN_NUMBER
  if (typeof value !== 'string' || !CORRELATABLE_STRING.test(value)) return false
  if (UUID.test(value) || ISO_TIMESTAMP.test(value)) return true
  if (value.length >= CORRELATE_MIN_WORDLESS_LENGTH) return true
  return value.length >= CORRELATE_MIN_ID_LENGTH && /\d/.test(value)
}

/** A server frame's text with the spans that become `{{match.NAME}}`. */
interface OutText {
  text: string
  spans: { start: number; end: number; name: string }[]
}

/** The server text of the whole recording, searchable for one value at a time. */
class ServerText {
  readonly outs: OutText[] = []
  #joined = ''
  #starts: number[] = []
  #frameOrder: number[] = []
  /** Offsets of every token (maximal run of id characters) in the joined text, built on the first search. */
  #index: Map<string, number[]> | undefined

  add(frame: number, text: string): void {
    if (this.#joined.length > 0) this.#joined += '\u0000'
    this.#starts.push(this.#joined.length)
    this.#frameOrder.push(frame)
    this.#joined += text
    this.outs.push({ text, spans: [] })
  }

  /** Offset in the joined text of the first server frame after recorded frame `frame`. */
  offsetAfter(frame: number): number {
    const i = firstAbove(this.#frameOrder, frame)
    return i === this.#frameOrder.length ? this.#joined.length : (this.#starts[i] ?? this.#joined.length)
  }

  /** Every bounded occurrence of `needle` in [from, until). */
  find(needle: string, numeric: boolean, from: number, until = Number.POSITIVE_INFINITY): number[] {
    // Values start with an id character; the index finds where their first token stands, then the rest is compared.
    const head = /^[A-Za-z0-9_-]+/.exec(needle)?.[0]
    if (head === undefined) return []
    const offsets = this.#tokens().get(head) ?? []
    const found: number[] = []
    for (let i = firstAbove(offsets, from - 1); i < offsets.length; i++) {
      const at = offsets[i] as number
      if (at >= until) break
      if (this.#joined.startsWith(needle, at) && bounded(this.#joined, at, at + needle.length, numeric)) found.push(at)
    }
    return found
  }

  /** Marks the occurrence at joined offset `at` as a `{{match.name}}` span; false when it overlaps one already taken. */
  mark(at: number, length: number, name: string): boolean {
    const i = firstAbove(this.#starts, at) - 1
    const out = this.outs[i]
    if (!out) return false
    const start = at - (this.#starts[i] ?? 0)
    const end = start + length
    if (out.spans.some((s) => start < s.end && s.start < end)) return false
    out.spans.push({ start, end, name })
    return true
  }

  #tokens(): Map<string, number[]> {
    if (this.#index) return this.#index
    const index = new Map<string, number[]>()
    for (const m of this.#joined.matchAll(/[A-Za-z0-9_-]+/g)) {
      const list = index.get(m[0])
      if (list) list.push(m.index)
      else index.set(m[0], [m.index])
    }
    this.#index = index
    return index
  }
}

/** Index of the first element of an ascending array greater than `value` (the array's length when none is). */
function firstAbove(sorted: readonly number[], value: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((sorted[mid] as number) > value) hi = mid
    else lo = mid + 1
  }
  return lo
}

/** An occurrence counts only as a whole token: not glued to other id characters, nor to template braces. */
function bounded(text: string, start: number, end: number, numeric: boolean): boolean {
  const before = text[start - 1]
  const after = text[end]
  const glued = (c: string | undefined): boolean => c !== undefined && (TOKEN_CHAR.test(c) || c === '{' || c === '}' || (numeric && c === '.'))
  return !glued(before) && !glued(after)
}

/** Names of the captures of one recording: one per distinct value, so an id captured early is still right later. */
class CaptureNames {
  #byValue = new Map<string, string>()
  #used = new Set<string>()
  /** Next suffix to try per base name, so that thousands of ids under one key cost no rescans. */
  #next = new Map<string, number>()

  existing(value: string): string | undefined {
    return this.#byValue.get(value)
  }

  claim(value: string, base: string): string {
    const clean = identifier(base)
    let name = clean
    let n = this.#next.get(clean) ?? 2
    if (this.#used.has(name)) {
      while (this.#used.has(`${clean}${n}`)) n++
      name = `${clean}${n}`
      n++
    }
    this.#next.set(clean, n)
    this.#used.add(name)
    this.#byValue.set(value, name)
    return name
  }
}

function identifier(base: string): string {
  const camel = base.replace(/[-_.\s]+([A-Za-z0-9])/g, (_m, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9_]/g, '')
  if (camel === '') return 'value'
  return /^[0-9]/.test(camel) ? `v${camel}` : camel
}

/** A value found in a client message, with how it is to be treated. */
interface Leaf {
  path: JsonPathSegment[]
  value: string | number | boolean | null
}

function leaves(value: JsonValue, path: JsonPathSegment[] = [], out: Leaf[] = []): Leaf[] {
  if (Array.isArray(value)) value.forEach((v: JsonValue, i: number) => leaves(v, [...path, { index: i }], out))
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) leaves(v, [...path, { key: k }], out)
  else out.push({ path, value })
  return out
}

function pathMatches(pattern: readonly JsonPathSegment[], path: readonly JsonPathSegment[]): boolean {
  if (pattern.length > path.length) return false
  // A pattern that names a parent ignores everything below it.
  return pattern.every((p, i) => {
    const s = path[i]
    if (!s) return false
    if ('any' in p) return true
    if ('key' in p) return 'key' in s && s.key === p.key
    return 'index' in s && s.index === p.index
  })
}

/** Writes a path as `capture` expects it: `$.a.b[0]`, with `["key"]` for keys that are not identifiers. */
export function formatJsonPath(path: readonly JsonPathSegment[]): string {
  let out = '$'
  for (const s of path) {
    if ('index' in s) out += `[${s.index}]`
    else if ('key' in s) out += IDENTIFIER_KEY.test(s.key) ? `.${s.key}` : `[${JSON.stringify(s.key)}]`
    else out += '[*]'
  }
  return out
}

function nameBase(path: readonly JsonPathSegment[]): string {
  return path.findLast((s): s is { key: string } => 'key' in s)?.key ?? 'value'
}

/** Removes the given leaf paths from a JSON value; `undefined` when a removal cannot be expressed as a subset (a direct array element up to the root). */
function withoutPaths(value: JsonValue, drop: readonly (readonly JsonPathSegment[])[]): JsonValue | undefined {
  const dropHere = (path: readonly JsonPathSegment[]): boolean => drop.some((d) => d.length === path.length && pathMatches(d, path))
  const below = (path: readonly JsonPathSegment[]): boolean => drop.some((d) => d.length > path.length && pathMatches(path, d.slice(0, path.length)))
  const walk = (v: JsonValue, path: JsonPathSegment[]): JsonValue | undefined => {
    if (Array.isArray(v)) {
      const out: JsonValue[] = []
      for (const [i, child] of (v as JsonValue[]).entries()) {
        const childPath: JsonPathSegment[] = [...path, { index: i }]
        // Arrays match by position and length: an element cannot be left out, only the whole array.
        if (dropHere(childPath)) return undefined
        const kept = below(childPath) ? walk(child, childPath) : child
        if (kept === undefined) return undefined
        out.push(kept)
      }
      return out
    }
    if (v !== null && typeof v === 'object') {
      const out: Record<string, JsonValue> = {}
      for (const [k, child] of Object.entries(v)) {
        const childPath: JsonPathSegment[] = [...path, { key: k }]
        if (dropHere(childPath)) continue
        const kept = below(childPath) ? walk(child, childPath) : child
        // An array that cannot keep its shape is left out of the subset altogether.
        if (kept !== undefined) out[k] = kept
      }
      return out
    }
    return v
  }
  return walk(value, [])
}

/** A hole in a text matcher: a named group (a capture) or any value of the same kind. */
interface Hole {
  start: number
  end: number
  /** Regex for the hole's content. */
  pattern: string
  name?: string
}

function regexWithHoles(text: string, holes: readonly Hole[]): string {
  const sorted = [...holes].sort((a, b) => a.start - b.start)
  let out = '^'
  let at = 0
  for (const hole of sorted) {
    if (hole.start < at) continue
    out += escapeRegExp(text.slice(at, hole.start))
    out += hole.name ? `(?<${hole.name}>${hole.pattern})` : `(?:${hole.pattern})`
    at = hole.end
  }
  return `${out}${escapeRegExp(text.slice(at))}$`
}

function holePattern(value: string): string {
  if (UUID.test(value)) return '[0-9A-Fa-f-]{36}'
  if (ISO_TIMESTAMP.test(value)) return '[0-9T:.Z+-]+'
  if (/^\d+$/.test(value)) return '-?\\d+'
  return '[A-Za-z0-9_-]+'
}

function escapeTemplateSegments(out: OutText): string {
  const spans = [...out.spans].sort((a, b) => a.start - b.start)
  let text = ''
  let at = 0
  for (const span of spans) {
    text += escapeTemplateText(out.text.slice(at, span.start)) + `{{match.${span.name}}}`
    at = span.end
  }
  return text + escapeTemplateText(out.text.slice(at))
}

/** Parses text that is a JSON object or array; anything else (plain text, scalars) is `undefined`. */
function parseJsonContainer(text: string): JsonValue | undefined {
  const first = text.trimStart()[0]
  if (first !== '{' && first !== '[') return undefined
  try {
    return JSON.parse(text) as JsonValue
  } catch {
    return undefined
  }
}

/**
 * Turns one connection's recorded frames into replay entries, applying the record options: client
 * messages become `json`, exact or any-frame entries; client values echoed by the server become
 * captures and `{{match.NAME}}` tokens; recorded server text is escaped so it replays literally.
 * @example
 * recordingToReplay(ws.transcript.filter((f) => f.connection === 1), { ignore: ['$.ts'] })
 */
export function recordingToReplay(
  frames: readonly RecordedFrame[],
  options: RecordTransformOptions | ResolvedRecordTransform = {},
  context: RecordingContext = {},
): VcrEntry[] {
  const opts = isResolved(options) ? options : resolveRecordTransform(options)
  const recordedAt = context.recordedAt ?? Date.now()
  const server = new ServerText()
  frames.forEach((f, i) => {
    if (f.dir === 'out' && !f.close && f.binary === undefined) server.add(i, f.text ?? '')
  })
  const names = new CaptureNames()
  const correlating = opts.correlate && opts.inbound !== 'exact' && opts.inbound !== 'any'

  // Each search scans the server text once; a bound per message keeps a huge client message from costing minutes.
  let searchesLeft = 0
  let searchesFrame = -1
  /** The capture name of a client value that the server echoes later (marking the echoes), or undefined. */
  const correlate = (value: string | number, frame: number, base: string): { name: string; fresh: boolean } | undefined => {
    if (!correlating || !isCorrelatable(value)) return undefined
    if (searchesFrame !== frame) {
      searchesFrame = frame
      searchesLeft = CORRELATE_MAX_VALUES_PER_MESSAGE
    }
    if (searchesLeft-- <= 0) return undefined
    const needle = String(value)
    const numeric = typeof value === 'number' || /^\d+$/.test(needle)
    const known = names.existing(needle)
    if (known) return { name: known, fresh: false }
    const from = server.offsetAfter(frame)
    // A value the server said first is the server's (a session id the client echoes), not the client's.
    if (server.find(needle, numeric, 0, from).length > 0) return undefined
    const later = server.find(needle, numeric, from)
    if (later.length === 0) return undefined
    const name = names.claim(needle, base)
    for (const at of later) server.mark(at, needle.length, name)
    return { name, fresh: true }
  }

  const textEntry = (text: string, frame: number): Pick<VcrEntry, 'text' | 'match'> => {
    const holes: Hole[] = []
    for (const m of text.matchAll(TEXT_TOKENS)) {
      const token = m[0]
      const start = m.index
      const asValue: string | number = /^\d+$/.test(token) && String(Number(token)) === token && Number.isSafeInteger(Number(token)) ? Number(token) : token
      const base = KEY_BEFORE_TOKEN.exec(text.slice(Math.max(0, start - 40), start))?.[1] ?? 'value'
      const correlated = correlate(asValue, frame, base)
      if (correlated) holes.push({ start, end: start + token.length, pattern: holePattern(token), ...(correlated.fresh ? { name: correlated.name } : {}) })
      else if (opts.volatile === 'auto' && isVolatileValue(asValue, recordedAt)) holes.push({ start, end: start + token.length, pattern: holePattern(token) })
    }
    return holes.length === 0 ? { text } : { match: regexWithHoles(text, holes) }
  }

  const jsonEntry = (value: JsonValue, text: string, frame: number): Pick<VcrEntry, 'json' | 'capture' | 'text' | 'match'> => {
    const drop: JsonPathSegment[][] = []
    const capture: Record<string, string> = {}
    const dropped: { value: string | number | boolean | null; name?: string }[] = []
    for (const leaf of leaves(value)) {
      const ignored = opts.ignore.find((p) => pathMatches(p, leaf.path))
      if (ignored) {
        // A path naming a parent leaves the parent out, not just its leaves.
        drop.push(leaf.path.slice(0, ignored.length))
        dropped.push({ value: leaf.value })
        continue
      }
      const correlated = typeof leaf.value === 'string' || typeof leaf.value === 'number' ? correlate(leaf.value, frame, nameBase(leaf.path)) : undefined
      if (correlated) {
        drop.push(leaf.path)
        if (correlated.fresh) capture[correlated.name] = formatJsonPath(leaf.path)
        dropped.push(correlated.fresh ? { value: leaf.value, name: correlated.name } : { value: leaf.value })
      } else if (opts.volatile === 'auto' && isVolatileValue(leaf.value, recordedAt)) {
        drop.push(leaf.path)
        dropped.push({ value: leaf.value })
      }
    }
    const subset = drop.length === 0 ? value : withoutPaths(value, drop)
    if (subset !== undefined) return { json: subset, ...(Object.keys(capture).length > 0 ? { capture } : {}) }
    // A top-level array whose own elements vary cannot be a JSON subset: match its text with holes instead.
    const holes: Hole[] = []
    for (const d of dropped) {
      const literal = JSON.stringify(d.value)
      const inner = typeof d.value === 'string' ? literal.slice(1, -1) : literal
      const offset = typeof d.value === 'string' ? 1 : 0
      for (let at = text.indexOf(literal); at !== -1; at = text.indexOf(literal, at + 1)) {
        if (holes.some((h) => at + offset < h.end && h.start < at + offset + inner.length)) continue
        holes.push({
          start: at + offset,
          end: at + offset + inner.length,
          pattern: typeof d.value === 'string' ? '[^"\\\\]*' : '-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?',
          ...(d.name && !holes.some((h) => h.name === d.name) ? { name: d.name } : {}),
        })
      }
    }
    return { match: regexWithHoles(text, holes) }
  }

  const entries: VcrEntry[] = []
  let lastTs = 0
  frames.forEach((frame, i) => {
    const ts = Math.max(lastTs, Math.round(frame.ts))
    lastTs = ts
    if (frame.close) {
      // Only a close the server initiated can be replayed; a client's close is the client's business.
      if (frame.dir === 'out') {
        const { code, reason } = frame.close
        entries.push({ ts, dir: 'out', close: { ...(code !== undefined && { code }), ...(reason !== undefined && { reason }) } })
      }
      return
    }
    if (frame.dir === 'out') {
      if (frame.binary !== undefined) entries.push({ ts, dir: 'out', binary: toBase64(frame.binary) })
      else entries.push({ ts, dir: 'out', text: frame.text ?? '' }) // filled in below, once every correlation is known
      return
    }
    if (opts.inbound === 'any') {
      entries.push({ ts, dir: 'in', match: MATCH_ANY_FRAME })
      return
    }
    if (frame.binary !== undefined) {
      entries.push({ ts, dir: 'in', binary: toBase64(frame.binary) })
      return
    }
    const text = frame.text ?? ''
    if (opts.inbound === 'exact') {
      entries.push({ ts, dir: 'in', text })
      return
    }
    const json = parseJsonContainer(text)
    entries.push({ ts, dir: 'in', ...(json !== undefined ? jsonEntry(json, text, i) : textEntry(text, i)) })
  })
  // Server text is written last: correlations found in later client messages add spans to it.
  const outTexts = entries.filter((entry) => entry.dir === 'out' && entry.text !== undefined)
  server.outs.forEach((out, k) => {
    const entry = outTexts[k]
    if (entry) entry.text = escapeTemplateSegments(out)
  })
  return entries
}

/** One connection's frames of a transcript (default: the first connection's) as replay entries with the record options applied. */
export function transcriptToReplay(
  frames: readonly (RecordedFrame & { connection: number })[],
  options: RecordTransformOptions & { connection?: number } = {},
): VcrEntry[] {
  const id = options.connection ?? frames[0]?.connection
  return recordingToReplay(
    // The mock's own shutdown close (its close() ending every connection) is no part of the recording.
    frames.filter((f) => f.connection === id && !(f.close && isShutdownClose(f as TranscriptFrame))),
    resolveRecordTransform(pickRecordTransform(options)),
  )
}
