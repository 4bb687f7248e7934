import { MockWsError } from '../errors.js'
import { formatFailureReport } from '../server/failure-report.js'
import type { ScenarioFailure, TranscriptFrame } from '../server/types.js'
import { isPlainObject } from '../scenario/json-subset.js'
import { describeMatcher, matchesMessage, matcherKind, type MessageMatcher } from '../scenario/matcher.js'
import { realClock, type Clock } from '../template/clock.js'

/** Default time `toReceiveMessage` waits for a matching client message (below every runner's default test timeout). */
export const DEFAULT_RECEIVE_TIMEOUT_MS = 1000
/** How often a waiting `toReceiveMessage` looks at the transcript again. */
export const RECEIVE_POLL_INTERVAL_MS = 5
/** Transcript frames shown under a matcher failure. */
export const MATCHER_TRANSCRIPT_FRAMES = 12

/**
 * Options of `toReceiveMessage`.
 * @example
 * await expect(ws).toReceiveMessage({ type: 'subscribe' }, { timeout: 2000, connection: 1 })
 */
export interface ReceiveMessageOptions {
  /** ms to wait for a matching message (default 1000); with `.not`, how long to watch for one. */
  timeout?: number
  /** Only consider messages of this connection id (1-based). */
  connection?: number
}

/**
 * The matchers mockforge-ws adds to `expect` (Vitest, Jest, Playwright); `R` is the runner's return type.
 * @example
 * expect(ws).toHaveReceivedMessage({ type: 'subscribe' })
 */
export interface MockWsMatchers<R = unknown> {
  /**
   * Waits for a client message matching `matcher` that no earlier `toReceiveMessage` on this mock claimed;
   * messages that arrived before the call count, so there is no race with the client's `send`.
   * @example
   * client.send('{"type":"ping"}'); await expect(ws).toReceiveMessage({ type: 'ping' })
   */
  toReceiveMessage(matcher: MessageMatcher, options?: ReceiveMessageOptions): Promise<R>
  /**
   * Checks that some client message received so far matches `matcher`.
   * @example
   * expect(ws).toHaveReceivedMessage(/^READY$/)
   */
  toHaveReceivedMessage(matcher: MessageMatcher): R
  /**
   * Checks that client messages matched `matchers` in this order; other messages may come in between.
   * @example
   * expect(ws).toHaveReceivedMessages(['hello', { type: 'subscribe' }])
   */
  toHaveReceivedMessages(matchers: readonly MessageMatcher[]): R
  /**
   * Checks that some server → client message sent so far matches `matcher`.
   * @example
   * expect(ws).toHaveSentMessage({ type: 'welcome' })
   */
  toHaveSentMessage(matcher: MessageMatcher): R
  /**
   * Checks the number of open connections.
   * @example
   * expect(ws).toHaveConnections(1)
   */
  toHaveConnections(count: number): R
  /**
   * Checks that no scenario step failed (unexpected message, wait timeout, …).
   * @example
   * expect(ws).toHaveNoFailures()
   */
  toHaveNoFailures(): R
}

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

/** What a matcher returns to the runner. */
export interface MatcherOutcome {
  pass: boolean
  message: () => string
}

/** The members of a `MockWs` the matchers read; duck-typed so a second copy of the package still works. */
interface MockLike {
  readonly url: string
  readonly transcript: readonly TranscriptFrame[]
  readonly failures: readonly ScenarioFailure[]
  readonly connections: readonly unknown[]
  readonly closed: boolean
  readonly metrics: { connectionsTotal: number; failuresDropped?: number }
  /** The mock's clock (`clock` option): waits follow it; absent (protocol kits): the real clock. */
  readonly clock?: Clock
}

// Claimed frames per mock: each client message satisfies at most one toReceiveMessage.
const claims = new WeakMap<object, WeakSet<TranscriptFrame>>()

function claimed(mock: MockLike): WeakSet<TranscriptFrame> {
  let set = claims.get(mock)
  if (!set) {
    set = new WeakSet()
    claims.set(mock, set)
  }
  return set
}

function isMockLike(value: unknown): value is MockLike {
  if (value === null || typeof value !== 'object') return false
  const v = value as Partial<MockLike>
  return typeof v.url === 'string' && Array.isArray(v.transcript) && Array.isArray(v.failures) && Array.isArray(v.connections)
}

function assertMock(name: string, received: unknown): MockLike {
  if (isMockLike(received)) return received
  const builder = received !== null && typeof received === 'object' && typeof (received as PromiseLike<unknown>).then === 'function'
  const hint = builder ? ' Await mockWs() before asserting on it: expect(await mockWs())…' : ' Pass the object mockWs() resolved to.'
  throw new MockWsError('WSM_CONFIG', `Failed to run ${name}: the received value is not a started MockWs.${hint}`)
}

function assertMatcher(name: string, matcher: unknown): asserts matcher is MessageMatcher {
  if (matcherKind(matcher) === undefined) {
    throw new MockWsError(
      'WSM_CONFIG',
      `Failed to run ${name}: ${describeValue(matcher)} is not a message matcher. Use a string (exact), a RegExp, a JSON object subset or a predicate.`,
    )
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'this object' : `${typeof value} ${String(value)}`
}

function color(ctx: MatcherContextLike, which: 'EXPECTED_COLOR' | 'RECEIVED_COLOR', text: string): string {
  const paint = ctx.utils[which]
  return typeof paint === 'function' ? paint(text) : text
}

function hint(ctx: MatcherContextLike, name: string, args: string): string {
  const prefix = ctx.promise ? `.${ctx.promise}` : ''
  return `expect(mock)${prefix}${ctx.isNot ? '.not' : ''}.${name}(${args})`
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

function timeline(mock: MockLike): string {
  // The failure report without failures is the timeline alone; cut its headline off.
  const report = formatFailureReport([], mock.transcript, { frames: MATCHER_TRANSCRIPT_FRAMES })
  return report.slice(report.indexOf('\n') + 2)
}

function textFrames(mock: MockLike, dir: 'in' | 'out', connection?: number): TranscriptFrame[] {
  return mock.transcript.filter(
    (f) => f.dir === dir && !f.close && f.text !== undefined && (connection === undefined || f.connection === connection),
  )
}

function where(frame: TranscriptFrame): string {
  return `connection #${frame.connection} at +${Math.round(frame.ts)}ms`
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
function closestDiff(ctx: MatcherContextLike, matcher: MessageMatcher, candidates: readonly TranscriptFrame[]): string | undefined {
  const kind = matcherKind(matcher)
  if (candidates.length === 0 || (kind !== 'string' && kind !== 'json-subset')) return undefined
  let best = candidates.at(-1) as TranscriptFrame
  let expected: unknown = matcher
  let actual: unknown = best.text
  if (kind === 'json-subset') {
    let bestScore = -2
    for (const frame of candidates) {
      const s = score(matcher as Record<string, unknown>, parseJson(frame.text ?? ''))
      // Later frames win ties: the most recent attempt is usually the one the test meant.
      if (s >= bestScore) {
        bestScore = s
        best = frame
      }
    }
    const parsed = parseJson(best.text ?? '')
    if (!isPlainObject(parsed)) return undefined
    actual = project(parsed, matcher)
    expected = matcher
  }
  const diff = ctx.utils.diff(expected, actual)
  if (!diff) return undefined
  return `Closest message (${where(best)}):\n${diff}`
}

function listMessages(ctx: MatcherContextLike, frames: readonly TranscriptFrame[], label: string): string {
  if (frames.length === 0) return `${label}: none`
  return `${label}: ${plural(frames.length, 'message')}\n${frames
    .slice(-MATCHER_TRANSCRIPT_FRAMES)
    .map((f) => `  ${ctx.utils.printReceived(f.text)}  (${where(f)})`)
    .join('\n')}`
}

function join(...blocks: (string | undefined)[]): string {
  return blocks.filter((b): b is string => b !== undefined && b !== '').join('\n\n')
}

function findUnclaimed(mock: MockLike, matcher: MessageMatcher, connection: number | undefined): TranscriptFrame | undefined {
  const taken = claimed(mock)
  for (const frame of textFrames(mock, 'in', connection)) {
    if (!taken.has(frame) && matchesMessage(matcher, frame.text ?? '')) return frame
  }
  return undefined
}

/**
 * `toReceiveMessage` for any runner: resolves once an unclaimed client message matches (claiming it), or after `timeout`.
 * @example
 * expect.extend({ toReceiveMessage })
 */
export async function toReceiveMessage(
  this: MatcherContextLike,
  received: unknown,
  matcher: MessageMatcher,
  options: ReceiveMessageOptions = {},
): Promise<MatcherOutcome> {
  const name = 'toReceiveMessage'
  const mock = assertMock(name, received)
  assertMatcher(name, matcher)
  const timeout = options.timeout ?? this.timeout ?? DEFAULT_RECEIVE_TIMEOUT_MS
  const clock = mock.clock ?? realClock
  const deadline = clock.perfNow() + timeout
  let found = findUnclaimed(mock, matcher, options.connection)
  // Poll the transcript instead of subscribing: the transcript is the single source of truth, and a
  // message that lands between two looks is still found by the next one.
  while (!found && !mock.closed && clock.perfNow() < deadline) {
    const ms = Math.min(RECEIVE_POLL_INTERVAL_MS, Math.max(0, deadline - clock.perfNow()))
    await new Promise<void>((resolve) => clock.setTimeout(resolve, ms))
    found = findUnclaimed(mock, matcher, options.connection)
  }
  // A mock that closed while waiting may still have recorded the message just before it closed.
  found ??= findUnclaimed(mock, matcher, options.connection)
  const expectedText = describeMatcher(matcher)
  const scope = options.connection === undefined ? '' : ` on connection #${options.connection}`
  if (found) {
    // `.not` observes without consuming; only a positive assertion takes the message.
    if (!this.isNot) claimed(mock).add(found)
    const frame = found
    return {
      pass: true,
      message: () =>
        join(
          hint(this, name, 'expected'),
          `Expected: no client message${scope} matching ${color(this, 'EXPECTED_COLOR', expectedText)} within ${timeout} ms\n` +
            `Received: ${this.utils.printReceived(frame.text)} (${where(frame)})`,
          timeline(mock),
        ),
    }
  }
  return {
    pass: false,
    message: () => {
      const all = textFrames(mock, 'in', options.connection)
      const taken = claimed(mock)
      const open = all.filter((f) => !taken.has(f))
      const claimedCount = all.length - open.length
      const why = mock.closed ? 'before the mock closed' : `within ${timeout} ms`
      return join(
        hint(this, name, 'expected'),
        `Expected: a client message${scope} matching ${color(this, 'EXPECTED_COLOR', expectedText)} ${why}`,
        listMessages(this, open, `Received${claimedCount > 0 ? ` (not counting ${claimedCount} already claimed by earlier toReceiveMessage)` : ''}`),
        closestDiff(this, matcher, open),
        timeline(mock),
      )
    },
  }
}

/**
 * `toHaveReceivedMessage` for any runner: some client message received so far matches.
 * @example
 * expect.extend({ toHaveReceivedMessage })
 */
export function toHaveReceivedMessage(this: MatcherContextLike, received: unknown, matcher: MessageMatcher): MatcherOutcome {
  return someFrame(this, 'toHaveReceivedMessage', received, matcher, 'in')
}

/**
 * `toHaveSentMessage` for any runner: some server → client message sent so far matches.
 * @example
 * expect.extend({ toHaveSentMessage })
 */
export function toHaveSentMessage(this: MatcherContextLike, received: unknown, matcher: MessageMatcher): MatcherOutcome {
  return someFrame(this, 'toHaveSentMessage', received, matcher, 'out')
}

function someFrame(ctx: MatcherContextLike, name: string, received: unknown, matcher: MessageMatcher, dir: 'in' | 'out'): MatcherOutcome {
  const mock = assertMock(name, received)
  assertMatcher(name, matcher)
  const frames = textFrames(mock, dir)
  const found = frames.find((f) => matchesMessage(matcher, f.text ?? ''))
  const who = dir === 'in' ? 'client message' : 'message sent to a client'
  const expectedText = color(ctx, 'EXPECTED_COLOR', describeMatcher(matcher))
  if (found) {
    return {
      pass: true,
      message: () =>
        join(
          hint(ctx, name, 'expected'),
          `Expected: no ${who} matching ${expectedText}\n${dir === 'in' ? 'Received' : 'Sent'}: ${ctx.utils.printReceived(found.text)} (${where(found)})`,
          timeline(mock),
        ),
    }
  }
  return {
    pass: false,
    message: () =>
      join(
        hint(ctx, name, 'expected'),
        `Expected: a ${who} matching ${expectedText}`,
        listMessages(ctx, frames, dir === 'in' ? 'Received' : 'Sent'),
        closestDiff(ctx, matcher, frames),
        timeline(mock),
      ),
  }
}

/**
 * `toHaveReceivedMessages` for any runner: client messages matched the list in order, as a subsequence.
 * @example
 * expect.extend({ toHaveReceivedMessages })
 */
export function toHaveReceivedMessages(
  this: MatcherContextLike,
  received: unknown,
  matchers: readonly MessageMatcher[],
): MatcherOutcome {
  const name = 'toHaveReceivedMessages'
  const mock = assertMock(name, received)
  if (!Array.isArray(matchers)) {
    throw new MockWsError('WSM_CONFIG', `Failed to run ${name}: expected an array of message matchers, got ${describeValue(matchers)}. Wrap a single matcher in [ ].`)
  }
  matchers.forEach((m, i) => assertMatcher(`${name} (matcher ${i + 1})`, m))
  const frames = textFrames(mock, 'in')
  const hits: TranscriptFrame[] = []
  let at = 0
  for (const m of matchers) {
    while (at < frames.length && !matchesMessage(m, frames[at]?.text ?? '')) at++
    const hit = frames[at]
    if (!hit) break
    hits.push(hit)
    at++
  }
  const pass = hits.length === matchers.length
  const list = matchers
    .map((m, i) => {
      const hit = hits[i]
      const mark = hit ? `✓ ${describeMatcher(m)}  ← ${ctxPrint(this, hit)}` : i === hits.length ? `✗ ${describeMatcher(m)}  ← not found after the previous match` : `  ${describeMatcher(m)}`
      return `  ${i + 1}. ${mark}`
    })
    .join('\n')
  return {
    pass,
    message: () =>
      join(
        hint(this, name, 'expected'),
        pass
          ? `Expected: the client messages not to match, in order:\n${list}`
          : `Expected: client messages matching, in order (others may come in between):\n${list}`,
        pass ? undefined : listMessages(this, frames, 'Received'),
        timeline(mock),
      ),
  }
}

function ctxPrint(ctx: MatcherContextLike, frame: TranscriptFrame): string {
  return `${ctx.utils.printReceived(frame.text)} (${where(frame)})`
}

/**
 * `toHaveConnections` for any runner: the number of open connections.
 * @example
 * expect.extend({ toHaveConnections })
 */
export function toHaveConnections(this: MatcherContextLike, received: unknown, count: number): MatcherOutcome {
  const name = 'toHaveConnections'
  const mock = assertMock(name, received)
  if (!Number.isInteger(count) || count < 0) {
    throw new MockWsError('WSM_CONFIG', `Failed to run ${name}: expected a whole number of connections, got ${describeValue(count)}.`)
  }
  const open = mock.connections.length
  const total = mock.metrics.connectionsTotal
  return {
    pass: open === count,
    message: () =>
      join(
        hint(this, name, 'expected'),
        `Expected: ${this.isNot ? 'not ' : ''}${color(this, 'EXPECTED_COLOR', plural(count, 'open connection'))}\n` +
          `Received: ${color(this, 'RECEIVED_COLOR', plural(open, 'open connection'))} (${total} since the mock started)`,
        timeline(mock),
      ),
  }
}

/**
 * `toHaveNoFailures` for any runner: no scenario step failed; on failure prints the strict-mode report.
 * @example
 * expect.extend({ toHaveNoFailures })
 */
export function toHaveNoFailures(this: MatcherContextLike, received: unknown): MatcherOutcome {
  const name = 'toHaveNoFailures'
  const mock = assertMock(name, received)
  const failures = mock.failures
  return {
    pass: failures.length === 0,
    message: () =>
      failures.length === 0
        ? join(hint(this, name, ''), 'Expected: at least one scenario failure\nReceived: none', timeline(mock))
        : join(hint(this, name, ''), formatFailureReport(failures, mock.transcript, { frames: MATCHER_TRANSCRIPT_FRAMES, dropped: mock.metrics.failuresDropped ?? 0 })),
  }
}

/**
 * Every mockforge-ws matcher, ready for `expect.extend(mockWsMatchers)` in any Jest-compatible runner.
 * @example
 * import { expect } from 'vitest'; expect.extend(mockWsMatchers)
 */
export const mockWsMatchers = {
  toReceiveMessage,
  toHaveReceivedMessage,
  toHaveReceivedMessages,
  toHaveSentMessage,
  toHaveConnections,
  toHaveNoFailures,
}

