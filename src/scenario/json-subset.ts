import { MockWsError } from '../errors.js'

/** A JSON scalar. */
export type JsonPrimitive = string | number | boolean | null

/** Any JSON value (what `JSON.parse` can return). */
export type JsonValue = JsonPrimitive | readonly JsonValue[] | { readonly [key: string]: JsonValue }

/**
 * A JSON object used as a matcher: a client message matches when it is a JSON object that
 * contains every key of the subset with a matching value (extra keys are allowed, at every depth).
 * @example
 * const subset: JsonSubset = { type: 'subscribe', channel: { name: 'prices' } }
 */
export type JsonSubset = { readonly [key: string]: JsonValue }

const REGEX_SYNTAX = /[.*+?^${}()|[\]\\/]/g
const HEX_LETTER = /[a-f]/g
// JSON whitespace is a subset of \s; accepting a little more only ever makes the regex looser.
const WS = '\\s*'
const ANY = '[\\s\\S]*?'

/** Escapes every regex syntax character (and `/`) so the text matches literally, with or without the `u` flag. */
export function escapeRegExp(text: string): string {
  return text.replace(REGEX_SYNTAX, '\\$&')
}

/** Finds the first part of a value that is not valid in a JSON subset, or `undefined` when it is valid. */
export function jsonSubsetProblem(value: unknown): string | undefined {
  if (!isPlainObject(value)) return `$ is ${kindOf(value)}, not a plain object`
  return valueProblem(value, '$', new Set())
}

/** Finds the first part of any value (object, array or scalar) that JSON cannot represent, or `undefined`. */
export function jsonValueProblem(value: unknown): string | undefined {
  return valueProblem(value, '$', new Set())
}

function valueProblem(value: unknown, path: string, stack: Set<object>): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined
  if (typeof value === 'number') {
    return Number.isFinite(value) ? undefined : `${path} is ${value}, which JSON cannot represent`
  }
  if (Array.isArray(value) || isPlainObject(value)) {
    if (stack.has(value)) return `${path} refers back to one of its parents (a cycle)`
    stack.add(value)
    try {
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          // Holes are skipped by for..of on some paths; index access sees them as undefined.
          const problem = valueProblem(value[i], `${path}[${i}]`, stack)
          if (problem) return problem
        }
        return undefined
      }
      for (const [key, child] of Object.entries(value)) {
        const problem = valueProblem(child, `${path}${propertyPath(key)}`, stack)
        if (problem) return problem
      }
      return undefined
    } finally {
      stack.delete(value)
    }
  }
  return `${path} is ${kindOf(value)}, which JSON cannot represent`
}

function propertyPath(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`
}

function kindOf(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'bigint') return 'a bigint'
  if (typeof value === 'symbol') return 'a symbol'
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name
    return name ? `a ${name} instance` : 'an object'
  }
  return `a ${typeof value}`
}

/** True for `{}`-style objects (prototype Object.prototype or null), the only objects JSON describes. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  // Compare shapes, not identity: Jest runs tests in another vm realm with its own Object.prototype.
  const proto = Object.getPrototypeOf(value) as object | null
  return proto === null || Object.getPrototypeOf(proto) === null
}

/**
 * Deep JSON-subset test: objects may have extra keys, arrays must have the same length and match
 * position by position, scalars compare with `===` (so `1` and `"1"` differ).
 * @example
 * matchesJsonSubset({ a: { b: 1 } }, { a: { b: 1, c: 2 }, d: 3 }) // true
 */
export function matchesJsonSubset(subset: JsonValue, value: unknown): boolean {
  if (subset === null || typeof subset !== 'object') return subset === value
  if (Array.isArray(subset)) {
    if (!Array.isArray(value) || value.length !== subset.length) return false
    for (let i = 0; i < subset.length; i++) {
      if (!matchesJsonSubset(subset[i] as JsonValue, value[i])) return false
    }
    return true
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const object = subset as { readonly [key: string]: JsonValue }
  for (const key of Object.keys(object)) {
    if (!Object.hasOwn(value, key)) return false
    if (!matchesJsonSubset(object[key] as JsonValue, (value as Record<string, unknown>)[key])) return false
  }
  return true
}

/**
 * The regex source (no slashes, no flags) an object subset compiles to in replay files.
 *
 * It is a chain of lookaheads, one per key, so the order of keys in the client's message does
 * not matter: `{ type: 'ack', id: 7 }` gives
 * `^(?=\s*\{)(?=[\s\S]*?[{,]\s*"type"\s*:\s*"ack")(?=[\s\S]*?[{,]\s*"id"\s*:\s*7(?:\.0+)?(?![0-9.eE]))[\s\S]*$`.
 * For a flat subset (scalars and arrays of scalars) tested against a flat message it accepts
 * exactly what the in-memory deep match accepts, provided the client writes JSON the way
 * `JSON.stringify` does. It is looser in three documented ways: a key is found at any depth
 * (nesting is not enforced: `{a:{b:1}}` also accepts `{"a":{},"c":{"b":1}}`), arrays that contain
 * objects only assert that the key holds an array plus each nested key anywhere, and a duplicated
 * key counts if any occurrence matches. See docs/scenarios.md.
 * @example
 * new RegExp(jsonSubsetPattern({ type: 'ack' })).test('{"id":1, "type": "ack"}') // true
 */
export function jsonSubsetPattern(subset: JsonSubset): string {
  const problem = jsonSubsetProblem(subset)
  if (problem) {
    throw new MockWsError('WSM_SCENARIO', `Failed to build a JSON subset pattern: ${problem}. Use only JSON values.`)
  }
  const lookaheads = new Set<string>()
  collectObject(subset, lookaheads)
  let pattern = `^(?=${WS}\\{)`
  for (const lookahead of lookaheads) pattern += `(?=${ANY}${lookahead})`
  // Consuming the rest makes the regex also work where a full match (not a search) is required.
  return `${pattern}[\\s\\S]*$`
}

function collectObject(object: { readonly [key: string]: JsonValue }, out: Set<string>): void {
  for (const [key, value] of Object.entries(object)) {
    // A key token in valid JSON is always preceded by `{` or `,`: this keeps `"type":` inside a
    // string value (where quotes are escaped) from counting.
    const keyPattern = `[{,]${WS}${stringPattern(key)}${WS}:${WS}`
    if (isFlat(value)) {
      out.add(keyPattern + flatPattern(value))
    } else if (Array.isArray(value)) {
      out.add(`${keyPattern}\\[`)
      collectNested(value, out)
    } else {
      out.add(`${keyPattern}\\{`)
      collectObject(value as { readonly [key: string]: JsonValue }, out)
    }
  }
}

function collectNested(values: readonly JsonValue[], out: Set<string>): void {
  for (const value of values) {
    if (Array.isArray(value)) collectNested(value, out)
    else if (value !== null && typeof value === 'object') collectObject(value as { readonly [key: string]: JsonValue }, out)
  }
}

function isFlat(value: JsonValue): boolean {
  if (value === null || typeof value !== 'object') return true
  return Array.isArray(value) && value.every(isFlat)
}

function flatPattern(value: JsonValue): string {
  if (typeof value === 'string') return stringPattern(value)
  if (typeof value === 'number') return numberPattern(value)
  if (Array.isArray(value)) {
    if (value.length === 0) return `\\[${WS}\\]`
    return `\\[${WS}${value.map((v: JsonValue) => flatPattern(v)).join(`${WS},${WS}`)}${WS}\\]`
  }
  return String(value)
}

function numberPattern(value: number): string {
  // -0 parses equal to 0, and JSON.stringify writes both as "0".
  if (value === 0) return '-?0(?:\\.0+)?(?![0-9.eE])'
  const text = JSON.stringify(value)
  let pattern = escapeRegExp(text)
  if (!/e/i.test(text)) pattern += text.includes('.') ? '0*' : '(?:\\.0+)?'
  // Without the guard `1` would also accept 12 or 1.5.
  return `${pattern}(?![0-9.eE])`
}

function stringPattern(text: string): string {
  let pattern = '"'
  for (const char of text) pattern += charPattern(char)
  return `${pattern}"`
}

function charPattern(char: string): string {
  const code = char.codePointAt(0) ?? 0
  if (code < 0x80) {
    if (char === '/') return '\\\\?\\/'
    // JSON.stringify's own escaping of quotes, backslashes and control characters.
    return escapeRegExp(JSON.stringify(char).slice(1, -1))
  }
  const escaped = unicodeEscapes(char)
  // A lone surrogate cannot be written literally in well-formed JSON text.
  if (code >= 0xd800 && code <= 0xdfff) return escaped
  return `(?:${char}|${escaped})`
}

function unicodeEscapes(char: string): string {
  let pattern = ''
  for (let i = 0; i < char.length; i++) {
    const hex = char.charCodeAt(i).toString(16).padStart(4, '0')
    pattern += `\\\\u${hex.replace(HEX_LETTER, (c) => `[${c}${c.toUpperCase()}]`)}`
  }
  return pattern
}
