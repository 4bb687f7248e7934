/**
 * Bounded previews of arbitrary values for error messages.
 *
 * `JSON.stringify` and `String()` recurse once per nesting level, so a value nested 200,000 deep (a
 * replay line is enough: `JSON.parse` itself is iterative) throws `RangeError` from the code that
 * was only trying to describe it. These helpers stop at a depth and a length, and never throw.
 */

/** Deepest nesting level a preview descends into; deeper arrays and objects are shown as `[…]` / `{…}`. */
export const MAX_PREVIEW_DEPTH = 8
/** Longest preview produced before it is cut with `…`. */
const DEFAULT_PREVIEW_CHARS = 40
/** Items or keys shown per array or object before `…`. */
const MAX_PREVIEW_ITEMS = 8

// Code points that print as nothing (or as blank) in a terminal: controls, format characters such
// as U+FEFF and U+200B, separators other than the plain space, private-use and unassigned code points.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]|\p{Cs}/gu

/**
 * Names a code point as `U+XXXX` (at least four hex digits).
 * @example
 * codePointName(0xfeff) // 'U+FEFF'
 */
export function codePointName(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`
}

/**
 * Makes invisible characters in a piece of text visible: a text that is one invisible character
 * becomes its name (`U+0000`), others get each one replaced by `<U+XXXX>`.
 * @example
 * showInvisible('\u0000') // 'U+0000'
 * showInvisible('a\uFEFFb') // 'a<U+FEFF>b'
 */
export function showInvisible(text: string): string {
  const only = text.codePointAt(0)
  if (only !== undefined && String.fromCodePoint(only).length === text.length && new RegExp(INVISIBLE.source, 'u').test(text)) {
    return codePointName(only)
  }
  return text.replace(INVISIBLE, (c) => `<${codePointName(c.codePointAt(0) ?? 0)}>`)
}

/**
 * A JSON-like preview of any value, cut at `maxChars` and at `MAX_PREVIEW_DEPTH` levels; never throws
 * (deep or cyclic values, throwing getters, BigInts and functions included).
 * @example
 * previewJson(JSON.parse('[[[[[[[[[[1]]]]]]]]]]')) // '[[[[[[[[[…]]]]]]]]]'
 * previewJson({ a: 'x'.repeat(100) }, 20) // '{"a":"xxxxxxxxxxxxx…'
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
  const text = out.join('')
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`
}
