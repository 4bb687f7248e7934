// The path syntax of a replay entry's `capture` field: `$`, then any number of `.name`, `["name"]`
// and `[index]` steps. Free of Node-only APIs: the MSW adapter runs it in a browser too.

/** One step of a capture path: an object key (string) or an array index (number). */
export type CapturePathSegment = string | number

/** A compiled `capture` entry: the template name it fills and the path to the value. */
export interface CompiledCapture {
  /** The name used as `{{match.NAME}}`. */
  readonly name: string
  readonly path: readonly CapturePathSegment[]
}

/** Why a capture path was refused, and the 0-based offset in the path where the problem starts. */
export interface CapturePathProblem {
  readonly index: number
  readonly message: string
}

const ROOT = '$'
const NAME_START = /[A-Za-z_$]/
const NAME_CHAR = /[A-Za-z0-9_$]/
const DIGIT = /[0-9]/
/** A capture name is a template identifier, the same rule as `{{match.NAME}}`. */
export const CAPTURE_NAME = /^[A-Za-z_$][\w$]*$/
const PATH_HINT = 'write e.g. "$.id", "$.payload.ids[0]" or "$[\\"content-type\\"]"'

/** Parses a capture path (`$`, `.name`, `["name"]`, `[index]`) into segments, or explains the first problem. */
export function parseCapturePath(text: string): { ok: true; path: CapturePathSegment[] } | { ok: false; problem: CapturePathProblem } {
  const fail = (index: number, message: string): { ok: false; problem: CapturePathProblem } => ({ ok: false, problem: { index, message } })
  if (!text.startsWith(ROOT)) return fail(0, `a capture path starts with "$" (the whole message); ${PATH_HINT}`)
  const path: CapturePathSegment[] = []
  let i = ROOT.length
  while (i < text.length) {
    const c = text[i] as string
    if (c === '.') {
      const start = i + 1
      if (!NAME_START.test(text[start] ?? '')) return fail(start, `".NAME" needs a name of letters, digits, "_" or "$" not starting with a digit (use ["…"] for other keys, [N] for an index); ${PATH_HINT}`)
      let end = start + 1
      while (end < text.length && NAME_CHAR.test(text[end] as string)) end++
      path.push(text.slice(start, end))
      i = end
    } else if (c === '[') {
      const start = i + 1
      if (text[start] === '"') {
        const close = findStringEnd(text, start)
        if (close === -1) return fail(start, `unterminated string in [...]; ${PATH_HINT}`)
        let key: unknown
        try {
          key = JSON.parse(text.slice(start, close + 1))
        } catch {
          return fail(start, `["…"] holds a JSON string (double quotes, JSON escapes); ${PATH_HINT}`)
        }
        if (text[close + 1] !== ']') return fail(close + 1, `expected "]" after the key; ${PATH_HINT}`)
        path.push(key as string)
        i = close + 2
      } else if (DIGIT.test(text[start] ?? '')) {
        let end = start
        while (end < text.length && DIGIT.test(text[end] as string)) end++
        if (text[end] !== ']') return fail(end, `expected "]" after the index; ${PATH_HINT}`)
        const digits = text.slice(start, end)
        if (digits.length > 1 && digits.startsWith('0')) return fail(start, `an index has no leading zeros; ${PATH_HINT}`)
        const index = Number(digits)
        if (!Number.isSafeInteger(index)) return fail(start, `index ${digits} is too large; ${PATH_HINT}`)
        path.push(index)
        i = end + 1
      } else {
        return fail(start, `[...] holds an index (0, 1, …) or a double-quoted key; ${PATH_HINT}`)
      }
    } else {
      return fail(i, `unexpected ${JSON.stringify(c)}; after "$" come ".name", ["name"] or [index] steps; ${PATH_HINT}`)
    }
  }
  return { ok: true, path }
}

/** Offset of the quote that closes the JSON string opened at `quote`, or -1. */
function findStringEnd(text: string, quote: number): number {
  for (let i = quote + 1; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x5c) i++
    else if (c === 0x22) return i
  }
  return -1
}

/**
 * The value at `path` in a parsed JSON message, or `undefined` when some step is missing
 * (a key on a non-object, an index past the end, a key the object does not own).
 */
export function readCapturePath(value: unknown, path: readonly CapturePathSegment[]): unknown {
  let current = value
  for (const segment of path) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current) || segment >= current.length) return undefined
      current = current[segment]
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, segment)) return undefined
      current = (current as Record<string, unknown>)[segment]
    }
  }
  return current
}

/** The text a captured value becomes in `{{match.NAME}}`: strings as they are, anything else as its JSON text. */
export function captureText(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))
}
