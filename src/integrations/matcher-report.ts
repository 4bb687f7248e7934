// How the mockforge-ws matchers word their failures: the hint line, the messages that arrived, a diff against
// the closest one and the last frames of the transcript. Formatting only; what to wait for and what passes is
// decided in matchers.ts.
import { formatFailureReport } from '../server/failure-report.js'
import type { TranscriptFrame } from '../server/types.js'
import { isPlainObject } from '../scenario/json-subset.js'
import { matcherKind, type MessageMatcher } from '../scenario/matcher.js'

/** Transcript frames shown under a matcher failure. */
export const MATCHER_TRANSCRIPT_FRAMES = 12

/** The part of a runner's matcher `this` the matchers use (Vitest, Jest and Playwright all provide it). */
export interface MatcherContextLike {
  isNot?: boolean
  promise?: string
  /** Playwright's expect timeout; the default wait of `toReceiveMessage` there. */
  timeout?: number
  utils: {
    diff(a: unknown, b: unknown, options?: never): string | null | undefined
    printReceived(value: unknown): string
    printExpected(value: unknown): string
    EXPECTED_COLOR?: (text: string) => string
    RECEIVED_COLOR?: (text: string) => string
  }
}

/** A message as a failure shows it: a transcript frame or a client message from the message stream. */
export interface ShownMessage {
  connection: number
  ts: number
  text?: string
}

/** `text` painted with the runner's expected/received color, when it has one. */
export function color(ctx: MatcherContextLike, which: 'EXPECTED_COLOR' | 'RECEIVED_COLOR', text: string): string {
  const paint = ctx.utils[which]
  return typeof paint === 'function' ? paint(text) : text
}

/** The first line of a failure: the assertion as written, `.not` and `.resolves`/`.rejects` included. */
export function hint(ctx: MatcherContextLike, name: string, args: string): string {
  const prefix = ctx.promise ? `.${ctx.promise}` : ''
  return `expect(mock)${prefix}${ctx.isNot ? '.not' : ''}.${name}(${args})`
}

/** `n` and `word`, plural unless `n` is 1. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** The last frames of a transcript as the failure report prints them, without the report's headline. */
export function timeline(transcript: readonly TranscriptFrame[]): string {
  const report = formatFailureReport([], transcript, { frames: MATCHER_TRANSCRIPT_FRAMES })
  return report.slice(report.indexOf('\n') + 2)
}

/** Where a message was seen: `connection #1 at +12ms`. */
export function where(message: ShownMessage): string {
  return `connection #${message.connection} at +${Math.round(message.ts)}ms`
}

/** Keeps only the parts of `actual` the subset talks about, so a diff shows the differences and not the extra keys. */
function project(actual: unknown, subset: unknown): unknown {
  if (isPlainObject(subset) && isPlainObject(actual)) {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(subset)) {
      if (Object.hasOwn(actual, key)) out[key] = project(actual[key], subset[key])
    }
    return out
  }
  if (Array.isArray(subset) && Array.isArray(actual) && subset.length === actual.length) {
    return actual.map((item: unknown, i) => project(item, subset[i]))
  }
  return actual
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

function score(subset: Record<string, unknown>, actual: unknown): number {
  if (!isPlainObject(actual)) return -1
  let n = 0
  for (const [key, value] of Object.entries(subset)) {
    if (Object.hasOwn(actual, key)) n += JSON.stringify(actual[key]) === JSON.stringify(value) ? 2 : 1
  }
  return n
}

/** A diff between the matcher and the closest candidate message, for string and JSON-subset matchers. */
export function closestDiff(ctx: MatcherContextLike, matcher: MessageMatcher, candidates: readonly ShownMessage[]): string | undefined {
  const kind = matcherKind(matcher)
  if (candidates.length === 0 || (kind !== 'string' && kind !== 'json-subset')) return undefined
  let best = candidates.at(-1) as ShownMessage
  let actual: unknown = best.text
  if (kind === 'json-subset') {
    let bestScore = -2
    for (const message of candidates) {
      const s = score(matcher as Record<string, unknown>, parseJson(message.text ?? ''))
      // Later messages win ties: the most recent attempt is usually the one the test meant.
      if (s >= bestScore) {
        bestScore = s
        best = message
      }
    }
    const parsed = parseJson(best.text ?? '')
    if (!isPlainObject(parsed)) return undefined
    actual = project(parsed, matcher)
  }
  const diff = ctx.utils.diff(matcher, actual)
  if (!diff) return undefined
  return `Closest message (${where(best)}):\n${diff}`
}

/** `label: N messages` and the newest of them, one a line with where each was seen; `label: none` for none. */
export function listMessages(ctx: MatcherContextLike, messages: readonly ShownMessage[], label: string): string {
  if (messages.length === 0) return `${label}: none`
  return `${label}: ${plural(messages.length, 'message')}\n${messages
    .slice(-MATCHER_TRANSCRIPT_FRAMES)
    .map((m) => `  ${ctx.utils.printReceived(m.text)}  (${where(m)})`)
    .join('\n')}`
}

/** A message and where it was seen: `"ping" (connection #1 at +3ms)`. */
export function printWithPlace(ctx: MatcherContextLike, message: ShownMessage): string {
  return `${ctx.utils.printReceived(message.text)} (${where(message)})`
}

/** The non-empty blocks of a failure message, a blank line between them. */
export function join(...blocks: (string | undefined)[]): string {
  return blocks.filter((b): b is string => b !== undefined && b !== '').join('\n\n')
}
