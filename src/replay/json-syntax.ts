// Why a replay line is not JSON, as "invalid JSON: …" messages with the offset of the first bad
// character, worded the same on every Node version (V8's own messages change between releases).
import type { Node as JsonNode, ParseError as JsoncError, ParseOptions as JsoncOptions } from 'jsonc-parser'
import { showInvisible } from './preview.js'
import { shortenText as shorten } from '../session/describe.js'
import { errorMessage } from '../session/to-error.js'

const JSONC_OPTIONS: JsoncOptions = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false }
const HEX4 = /^[0-9a-fA-F]{4}$/
const SIMPLE_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't'])

/** A problem in a line of JSON: the 0-based offset of the bad character and what is wrong there. */
export interface JsonSyntaxProblem {
  offset: number
  message: string
}

let jsoncModule: typeof import('jsonc-parser') | undefined

/**
 * jsonc-parser, required on the first line that is not JSON (valid files never load it), or
 * `undefined` where there is no `node:module` (a browser): callers then fall back to V8's message
 * and a flat scan for the column. Loaded like regexpp in regex-guard.ts.
 */
export function jsoncParser(): typeof import('jsonc-parser') | undefined {
  const nodeModule = globalThis.process?.getBuiltinModule?.('node:module')
  jsoncModule ??= nodeModule?.createRequire(import.meta.url)('jsonc-parser') as typeof import('jsonc-parser') | undefined
  return jsoncModule
}

/**
 * The jsonc-parser syntax tree of a line, or `undefined` when the line is too deep for it (jsonc-parser
 * recurses per nesting level; a pathologically deep line must cost a column, not the whole report).
 */
export function safeParseTree(line: string, errors: JsoncError[]): JsonNode | undefined {
  try {
    return jsoncParser()?.parseTree(line, errors, JSONC_OPTIONS)
  } catch {
    errors.length = 0
    return undefined
  }
}

/** Finds where and why a line is not JSON, with messages that do not depend on the Node version. */
export function describeJsonError(line: string, error: unknown): JsonSyntaxProblem {
  const errors: JsoncError[] = []
  safeParseTree(line, errors)
  const first = errors[0]
  if (first) return describeJsoncError(line, first)
  // jsonc-parser accepted what JSON.parse refused: fall back to V8's position.
  const text = errorMessage(error)
  const position = /position (\d+)/.exec(text)
  return { offset: position ? Number(position[1]) : 0, message: `invalid JSON: ${text.replace(/ in JSON at position.*$/, '')}` }
}

function describeJsoncError(line: string, e: JsoncError): JsonSyntaxProblem {
  const at = e.offset
  // A raw NUL or a stray U+FEFF prints as nothing: name it instead.
  const token = showInvisible(line.slice(at, at + Math.max(1, e.length)))
  const atEnd = at >= line.length
  const previous = line.slice(0, at).trimEnd().slice(-1)
  const trailingComma = previous === ',' ? ' (trailing comma?)' : ''
  const bad = (message: string, offset = at): JsonSyntaxProblem => ({ offset, message: `invalid JSON: ${message}` })
  switch (jsoncParser()?.printParseErrorCode(e.error)) {
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
function scanStringProblem(line: string, quote: number): JsonSyntaxProblem | undefined {
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
