import { previewJson } from '../session/describe.js'
import { isPlainObject, matchesJsonSubset } from './json-subset.js'
import type { JsonSubset } from './json-subset.js'

/**
 * A function deciding whether a client message matches; `parsed` is the message parsed as JSON
 * (`undefined` when it is not JSON), passed unless the function declares exactly one parameter.
 * @example
 * const isAck: MessagePredicate = (_text, parsed) => (parsed as { type?: string })?.type === 'ack'
 */
export type MessagePredicate = (text: string, parsed?: unknown) => boolean

/**
 * What `expect`/`waitFor` accept: an exact string, a RegExp (searched, like `RegExp#test`), a JSON
 * object subset, or a predicate.
 * @example
 * const matchers: MessageMatcher[] = ['ping', /^READY$/, { type: 'subscribe' }, (text) => text.length > 3]
 */
export type MessageMatcher = string | RegExp | JsonSubset | MessagePredicate

const NOT_JSON: unique symbol = Symbol('not JSON')
const OBJECT_START = /^\s*\{/

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return NOT_JSON
  }
}

/**
 * Tests one client message against a matcher; JSON is parsed at most once, and only when needed.
 * @example
 * matchesMessage({ type: 'ack' }, '{"id":1,"type":"ack"}') // true
 */
export function matchesMessage(matcher: MessageMatcher, text: string): boolean {
  if (typeof matcher === 'string') return text === matcher
  if (matcher instanceof RegExp) {
    // A `g` or `y` regex remembers where it stopped; every message is a fresh search.
    matcher.lastIndex = 0
    return matcher.test(text)
  }
  if (typeof matcher === 'function') {
    if (matcher.length === 1) return matcher(text)
    const parsed = parseJson(text)
    return matcher(text, parsed === NOT_JSON ? undefined : parsed)
  }
  // Most non-matching traffic is not a JSON object at all; skip the parse for it.
  if (!OBJECT_START.test(text)) return false
  const parsed = parseJson(text)
  return parsed !== NOT_JSON && matchesJsonSubset(matcher, parsed)
}

/**
 * Describes a matcher for failure messages: `"ping"`, `/^READY$/`, `{"type":"ack"}`, `predicate isAck`.
 * @example
 * describeMatcher({ type: 'ack' }) // '{"type":"ack"}'
 */
export function describeMatcher(matcher: MessageMatcher): string {
  if (typeof matcher === 'string') return JSON.stringify(matcher)
  if (matcher instanceof RegExp) return String(matcher)
  if (typeof matcher === 'function') return `predicate ${matcher.name || '(anonymous)'}`
  try {
    return JSON.stringify(matcher)
  } catch {
    // Too deep (RangeError) or cyclic for JSON.stringify: a bounded preview instead.
    return previewJson(matcher, 200)
  }
}

/** Tells which kind a matcher is, for code that treats kinds differently (serialization, docs). */
export function matcherKind(matcher: unknown): 'string' | 'regexp' | 'json-subset' | 'predicate' | undefined {
  if (typeof matcher === 'string') return 'string'
  if (matcher instanceof RegExp) return 'regexp'
  if (typeof matcher === 'function') return 'predicate'
  if (isPlainObject(matcher)) return 'json-subset'
  return undefined
}
