// Bounded descriptions of arbitrary values for error messages.
//
// `JSON.stringify` and `String()` recurse once per nesting level, so a value nested 200,000 deep (a
// replay line is enough: `JSON.parse` itself is iterative) throws `RangeError` from the code that was
// only trying to describe it. These helpers stop at a depth and a length, and never throw. Node-free.

/** Deepest nesting level a preview descends into; deeper arrays and objects are shown as `[…]` / `{…}`. */
const MAX_PREVIEW_DEPTH = 8
/** Longest preview produced before it is cut with `…`, and longest value `describeValue` quotes. */
const DEFAULT_PREVIEW_CHARS = 40
/** Items or keys shown per array or object before `…`. */
const MAX_PREVIEW_ITEMS = 8

/**
 * A JSON-like preview of any value, cut at `maxChars` and at `MAX_PREVIEW_DEPTH` levels; never throws
 * (deep or cyclic values, throwing getters, BigInts and functions included).
 */
export function previewJson(value: unknown, maxChars = DEFAULT_PREVIEW_CHARS): string {
  const out: string[] = []
  let length = 0
  const full = (): boolean => length > maxChars
  const emit = (s: string): void => {
    out.push(s)
    length += s.length
  }
  const walk = (v: unknown, depth: number): void => {
    if (full()) return
    if (v === null) return emit('null')
    switch (typeof v) {
      case 'string':
        // Only as much of a long string as can be shown is escaped.
        return emit(JSON.stringify(v.length > maxChars ? v.slice(0, maxChars + 1) : v))
      case 'number':
        return emit(Number.isFinite(v) ? String(v) : 'null')
      case 'boolean':
        return emit(String(v))
      case 'bigint':
        return emit(`${v}n`)
      case 'undefined':
        return emit('undefined')
      case 'function':
        return emit('[function]')
      case 'symbol':
        return emit('[symbol]')
    }
    const isArray = Array.isArray(v)
    const [open, close] = isArray ? ['[', ']'] : ['{', '}']
    if (depth >= MAX_PREVIEW_DEPTH) return emit(`${open}…${close}`)
    emit(open)
    try {
      const keys = isArray ? undefined : Object.keys(v as object)
      const count = isArray ? (v as unknown[]).length : (keys as string[]).length
      for (let i = 0; i < count && !full(); i++) {
        if (i > 0) emit(',')
        if (i >= MAX_PREVIEW_ITEMS) {
          emit('…')
          break
        }
        if (isArray) walk((v as unknown[])[i], depth + 1)
        else {
          const key = (keys as string[])[i] as string
          emit(`${JSON.stringify(key)}:`)
          walk((v as Record<string, unknown>)[key], depth + 1)
        }
      }
    } catch {
      emit('…')
    }
    emit(close)
  }
  walk(value, 0)
  return shortenText(out.join(''), maxChars)
}

/**
 * Names what a value is for an error message ("got …"): `null`, `an array [1,2]`, `the string "hi"`,
 * `42`, `an object {"a":1}`, `7n`, or its `typeof`; quoted values are cut at `maxChars`, nesting at
 * `MAX_PREVIEW_DEPTH`, and it never throws (deep, cyclic or huge values, throwing getters).
 */
export function describeValue(value: unknown, maxChars = DEFAULT_PREVIEW_CHARS): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return `an array ${previewJson(value, maxChars)}`
  switch (typeof value) {
    case 'string':
      return `the string ${shortenText(JSON.stringify(value.slice(0, maxChars + 1)), maxChars)}`
    case 'number':
    case 'boolean':
      return String(value)
    case 'object':
      return `an object ${previewJson(value, maxChars)}`
    case 'bigint':
      return `${value}n`
    default:
      return typeof value
  }
}

/**
 * The compact form of a value for option lists and argument errors ("(got …)"): strings JSON-quoted
 * and cut at `maxChars`, numbers, booleans and BigInts as `String()` shows them, `null`, `an array`,
 * else the `typeof` (`undefined`, `object`, `function`, `symbol`); never throws.
 */
export function showValue(value: unknown, maxChars = DEFAULT_PREVIEW_CHARS): string {
  if (typeof value === 'string') return JSON.stringify(shortenText(value, maxChars))
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value)
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value
}

/** `text` cut to `maxChars` (default 40) with `…` as its last character, for quoting in a message. */
export function shortenText(text: string, maxChars = DEFAULT_PREVIEW_CHARS): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`
}
