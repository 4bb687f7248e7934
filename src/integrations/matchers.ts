import { MockWsError } from '../errors.js'
import { formatFailureReport } from '../server/failure-report.js'
import type { InboundMessage } from '../session/connection.js'
import type { ScenarioFailure, TranscriptFrame } from '../server/types.js'
import { describeMatcher, matchesMessage, matcherKind, type MessageMatcher } from '../scenario/matcher.js'
import { describeValue } from '../session/describe.js'
import { MESSAGE_STREAM, type MessageStream } from '../session/message-stream.js'
import type { Clock } from '../template/clock.js'
import {
  closestDiff,
  color,
  hint,
  join,
  listMessages,
  MATCHER_TRANSCRIPT_FRAMES,
  plural,
  printWithPlace,
  timeline,
  where,
  type MatcherContextLike,
} from './matcher-report.js'

export type { MatcherContextLike } from './matcher-report.js'
export { MATCHER_TRANSCRIPT_FRAMES } from './matcher-report.js'

/** Default time `toReceiveMessage` waits for a matching client message (below every runner's default test timeout). */
export const DEFAULT_RECEIVE_TIMEOUT_MS = 1000

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
  /** The mock's clock (`clock` option): waits follow it; absent: the stream's own clock. */
  readonly clock?: Clock
  /** The client messages `toReceiveMessage` takes from, shared with `nextMessage()` (see `MESSAGE_STREAM`). */
  readonly [MESSAGE_STREAM]?: MessageStream
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

function streamOf(name: string, mock: MockLike): MessageStream {
  const stream = mock[MESSAGE_STREAM]
  if (stream && typeof stream.take === 'function') return stream
  throw new MockWsError(
    'WSM_CONFIG',
    `Failed to run ${name}: this mock has no message stream to wait on (it comes from an older or foreign copy of mockforge-ws). Use the mock and the matchers of one mockforge-ws version.`,
  )
}

function assertMatcher(name: string, matcher: unknown): asserts matcher is MessageMatcher {
  if (matcherKind(matcher) === undefined) {
    throw new MockWsError(
      'WSM_CONFIG',
      `Failed to run ${name}: ${describeValue(matcher)} is not a message matcher. Use a string (exact), a RegExp, a JSON object subset or a predicate.`,
    )
  }
}

function textFrames(mock: MockLike, dir: 'in' | 'out', connection?: number): TranscriptFrame[] {
  return mock.transcript.filter(
    (f) => f.dir === dir && !f.close && f.text !== undefined && (connection === undefined || f.connection === connection),
  )
}

/** Text matchers see text frames only, as every other matcher does: a binary frame's base64 never matches. */
const isText = (message: InboundMessage): boolean => !message.isBinary

/**
 * `toReceiveMessage` for any runner: resolves once an unclaimed client message matches (claiming it), or after `timeout`.
 * It takes from the mock's message stream, as `nextMessage()` does: each client message is claimed once, by
 * whichever of them takes it first; `.not` only watches. Woken by the message's arrival, never by polling.
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
  const stream = streamOf(name, mock)
  const timeout = options.timeout ?? this.timeout ?? DEFAULT_RECEIVE_TIMEOUT_MS
  const expectedText = describeMatcher(matcher)
  const scope = options.connection === undefined ? '' : ` on connection #${options.connection}`
  let found: InboundMessage | undefined
  let closedFirst = false
  try {
    found = await stream.take({
      match: (m) => isText(m) && matchesMessage(matcher, m.text),
      ...(options.connection !== undefined ? { connection: options.connection } : {}),
      timeoutMs: timeout,
      describe: `a client message${scope} matching ${expectedText}`,
      ...(mock.clock ? { clock: mock.clock } : {}),
      // `.not` observes without consuming; only a positive assertion takes the message.
      claim: !this.isNot,
    })
  } catch (error) {
    // Codes, not classes: the stream may come from a second copy of the package. Anything else (a predicate that threw) is the test's error.
    const code = (error as { code?: unknown } | null)?.code
    if (stream.closed && code !== 'WSM_TIMEOUT') closedFirst = true
    else if (code !== 'WSM_TIMEOUT') throw error
  }
  if (found) {
    const message = found
    return {
      pass: true,
      message: () =>
        join(
          hint(this, name, 'expected'),
          `Expected: no client message${scope} matching ${color(this, 'EXPECTED_COLOR', expectedText)} within ${timeout} ms\n` +
            `Received: ${this.utils.printReceived(message.text)} (${where(message)})`,
          timeline(mock.transcript),
        ),
    }
  }
  return {
    pass: false,
    message: () => {
      const seen = stream.seen({ ...(options.connection !== undefined ? { connection: options.connection } : {}), filter: isText })
      const why = closedFirst ? 'before the mock closed' : `within ${timeout} ms`
      const notes = [
        seen.claimed > 0 ? `not counting ${seen.claimed} already taken by toReceiveMessage or nextMessage` : '',
        stream.dropped > 0 ? `${plural(stream.dropped, 'older message')} forgotten (maxTranscript)` : '',
      ].filter((n) => n !== '')
      return join(
        hint(this, name, 'expected'),
        `Expected: a client message${scope} matching ${color(this, 'EXPECTED_COLOR', expectedText)} ${why}`,
        listMessages(this, seen.unclaimed, `Received${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`),
        closestDiff(this, matcher, seen.unclaimed),
        timeline(mock.transcript),
      )
    },
  }
}

/** `toHaveReceivedMessage` for any runner: some client message received so far matches. */
export function toHaveReceivedMessage(this: MatcherContextLike, received: unknown, matcher: MessageMatcher): MatcherOutcome {
  return someFrame(this, 'toHaveReceivedMessage', received, matcher, 'in')
}

/** `toHaveSentMessage` for any runner: some server → client message sent so far matches. */
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
          timeline(mock.transcript),
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
        timeline(mock.transcript),
      ),
  }
}

/** `toHaveReceivedMessages` for any runner: client messages matched the list in order, as a subsequence. */
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
      const mark = hit ? `✓ ${describeMatcher(m)}  ← ${printWithPlace(this, hit)}` : i === hits.length ? `✗ ${describeMatcher(m)}  ← not found after the previous match` : `  ${describeMatcher(m)}`
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
        timeline(mock.transcript),
      ),
  }
}

/** `toHaveConnections` for any runner: the number of open connections. */
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
        timeline(mock.transcript),
      ),
  }
}

/** `toHaveNoFailures` for any runner: no scenario step failed; on failure prints the strict-mode report. */
export function toHaveNoFailures(this: MatcherContextLike, received: unknown): MatcherOutcome {
  const name = 'toHaveNoFailures'
  const mock = assertMock(name, received)
  const failures = mock.failures
  return {
    pass: failures.length === 0,
    message: () =>
      failures.length === 0
        ? join(hint(this, name, ''), 'Expected: at least one scenario failure\nReceived: none', timeline(mock.transcript))
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

