import { CLOSE_INTERNAL_ERROR, MAX_INBOX_MESSAGES, SEND_BATCH_BYTES, SEND_DRAIN_POLL_MS, SEND_HIGH_WATER_MARK } from '../constants.js'
import type { InboundMessage } from '../session/connection.js'
import type { MessageQueue } from '../session/message-queue.js'
import type { FailureKind, ScenarioFailure } from '../server/types.js'
import { matchesJsonSubset, type JsonValue } from '../scenario/json-subset.js'
import type { TemplateContext } from '../template/context.js'
import { sameBytes, toHex } from '../session/bytes.js'
import { regexInputProblem } from './regex-input.js'
import { captureText, readCapturePath } from './capture-path.js'
import type { CompiledReplay, PlayStep } from './types.js'

/** What the player needs from a connection; the real-socket server and the MSW adapter both provide it. */
export interface PlayerConnection {
  readonly id: number
  readonly isOpen: boolean
  /** ms since the connection opened (monotonic). */
  elapsed(): number
  send(data: string | Uint8Array): void
  close(code?: number, reason?: string): void
  inbox(): MessageQueue<InboundMessage>
  closeInbox(): InboundMessage[]
  onMessage(listener: (message: InboundMessage) => void): void
  onClose(cleanup: () => void): void
  /** A timer cleared when the connection closes; must honour delays beyond 2^31-1 ms (see `setLongTimeout`). */
  setTimer(fn: () => void, ms: number): { clear(): void }
  /** Bytes sent but not yet taken by the transport (absent: it never buffers, as with MSW). */
  readonly bufferedAmount?: number
}

/** Options of one playback. */
export interface PlayOptions {
  /** Divides every gap of the file (default 1). */
  speed?: number
  /** Default wait of `in`/`waitFor` entries without their own `timeoutMs`. */
  timeoutMs: number
  /** Template context of this connection (seq, lastMessage, match groups are updated by the player). */
  context: TemplateContext
  /** `fail`: client messages nothing waits for become failures; `ignore`: they are only recorded. */
  unexpected: 'fail' | 'ignore'
  /** Called for every failure, in order. */
  onFailure: (failure: ScenarioFailure) => void
  /** True while the owner is shutting down (a close then is not the client's doing). */
  isShuttingDown?: () => boolean
  /**
   * Takes over once the script has played to its end on an open connection (`echo()` after steps):
   * gets the client messages that arrived and were never consumed, in order; later messages are
   * its business too, never `unexpected-message` failures.
   */
  afterScript?: (unconsumed: InboundMessage[]) => void
  /** Longest message a quadratic regex is run against (default: no limit); see `regexInputProblem`. */
  maxRegexInput?: number
  /** The socket's `cork()`/`uncork()`: due frames go out in writes of about `SEND_BATCH_BYTES`, not one system call each. */
  batch?: { cork(): void; uncork(): void }
}

const BINARY_PREVIEW_BYTES = 16
/** Close reason sent with 1011 when a step's message could not be rendered or sent (see `ws.failures`). */
const SEND_FAILED_REASON = 'mockforge-ws: failed to render a message (see the mock failures)'

/** A readable form of a step's expectation, for failure messages. */
export function describeStep(step: PlayStep): string {
  if (step.origin.description) return step.origin.description
  if (step.dir === 'out' && step.waitFor) return `waitFor /${step.waitFor.source}/`
  if (step.dir === 'out' && step.waitForJson !== undefined) return `waitForJson ${JSON.stringify(step.waitForJson)}`
  if (step.match) return `/${step.match.source}/`
  if (step.json !== undefined) return `json ${JSON.stringify(step.json)}`
  if (step.binary) return `<binary ${step.binary.byteLength} bytes>`
  return JSON.stringify(step.text ?? '')
}

function describeMessage(message: InboundMessage): string {
  if (!message.isBinary) return JSON.stringify(message.text)
  const bytes = message.data as Uint8Array
  const hex = toHex(bytes.subarray(0, BINARY_PREVIEW_BYTES))
  return `<binary ${bytes.byteLength} bytes: ${hex}${bytes.byteLength > BINARY_PREVIEW_BYTES ? '…' : ''}>`
}

const NOT_JSON: unique symbol = Symbol('not JSON')
const UNPARSED: unique symbol = Symbol('not parsed yet')

/** A client message with its JSON parsed at most once, and only when a step needs it. */
class Candidate {
  #parsed: unknown = UNPARSED
  constructor(readonly message: InboundMessage) {}
  /** The message parsed as JSON, or `NOT_JSON` (binary frames are never JSON). */
  json(): unknown {
    if (this.#parsed === UNPARSED) {
      if (this.message.isBinary) this.#parsed = NOT_JSON
      else {
        try {
          this.#parsed = JSON.parse(this.message.text) as unknown
        } catch {
          this.#parsed = NOT_JSON
        }
      }
    }
    return this.#parsed
  }
}

// What a step that captures nothing gets on a match: shared, never written (captureFrom copies first).
const NO_GROUPS: Record<string, string> = Object.freeze({}) as Record<string, string>

/** Tests a client message against an `in` step; returns its captures on a match, `undefined` otherwise. */
function matchIn(step: PlayStep, message: InboundMessage): Record<string, string> | undefined {
  // The message's JSON is parsed at most once, and only when the step reads it.
  const candidate = step.json !== undefined || step.capture?.length ? new Candidate(message) : undefined
  let groups: Record<string, string> | undefined
  if (step.predicate) groups = step.predicate(message.text) ? NO_GROUPS : undefined
  else if (step.match) groups = execGroups(step.match, message.text)
  else if (step.json !== undefined) groups = matchesJson(step.json, candidate as Candidate) ? NO_GROUPS : undefined
  else if (step.binary) groups = message.isBinary && sameBytes(step.binary, message.data as Uint8Array) ? NO_GROUPS : undefined
  else groups = !message.isBinary && message.text === step.text ? NO_GROUPS : undefined
  return groups && candidate ? captureFrom(step, candidate, groups) : groups
}

/** Tests a client message against an `out` step's wait; the in-memory predicate wins over the serializable forms. */
function matchWaitFor(step: PlayStep, message: InboundMessage): Record<string, string> | undefined {
  const candidate = step.waitForJson !== undefined || step.capture?.length ? new Candidate(message) : undefined
  let groups: Record<string, string> | undefined
  if (step.predicate) groups = step.predicate(message.text) ? NO_GROUPS : undefined
  else if (step.waitFor) groups = execGroups(step.waitFor, message.text)
  else if (step.waitForJson !== undefined) groups = matchesJson(step.waitForJson, candidate as Candidate) ? NO_GROUPS : undefined
  else groups = NO_GROUPS
  return groups && candidate ? captureFrom(step, candidate, groups) : groups
}

function matchesJson(subset: JsonValue, candidate: Candidate): boolean {
  const parsed = candidate.json()
  return parsed !== NOT_JSON && matchesJsonSubset(subset, parsed)
}

/** Adds the step's `capture` values to `groups` (a copy when it is the shared empty one); a path the message does not have captures nothing. */
function captureFrom(step: PlayStep, candidate: Candidate, groups: Record<string, string>): Record<string, string> {
  if (!step.capture || step.capture.length === 0) return groups
  const parsed = candidate.json()
  if (parsed === NOT_JSON) return groups
  const out = groups === NO_GROUPS ? (Object.create(null) as Record<string, string>) : groups
  for (const { name, path } of step.capture) {
    const found = readCapturePath(parsed, path)
    if (found !== undefined) out[name] = captureText(found)
  }
  return out
}

function execGroups(regex: RegExp, text: string): Record<string, string> | undefined {
  regex.lastIndex = 0
  const found = regex.exec(text)
  if (!found) return undefined
  // No prototype: a group may be called `__proto__` or `constructor` and must stay a plain value.
  const groups = Object.create(null) as Record<string, string>
  if (found.groups) for (const [name, value] of Object.entries(found.groups)) if (value !== undefined) groups[name] = value
  return groups
}

/**
 * Plays a compiled replay on one connection with the contract's timing: the anchor starts at
 * connection open (file time 0); each satisfied wait moves it to that moment and that entry's `ts`;
 * an entry is due at `anchor + (ts - anchorTs) / speed`. Client messages are queued until waited for.
 * Resolves when the script ends, fails, or the connection closes; never rejects.
 * @example
 * await playReplay(conn, await loadReplay('chat.jsonl'), { timeoutMs: 5000, context, unexpected: 'ignore', onFailure })
 */
export async function playReplay(conn: PlayerConnection, replay: CompiledReplay, options: PlayOptions): Promise<void> {
  const speed = options.speed && options.speed > 0 ? options.speed : 1
  const ctx = options.context
  const inbox = conn.inbox()
  let done = false
  let handedOff = false
  let closed = false
  const sleepers = new Set<() => void>()

  let inboxDropped = 0
  // `{{lastMessage}}` is the message that satisfied the latest wait; before any wait, the latest arrival.
  let waited = false
  conn.onMessage((message) => {
    if (!waited) ctx.lastMessage = message.text
    if (done && !handedOff && options.unexpected === 'fail') unexpected(message, replay.steps.length + 1)
    // A client that floods a sleeping script must not grow the queue without bound: drop the oldest.
    if (!done && inbox.size > MAX_INBOX_MESSAGES) {
      inbox.poll()
      if (inboxDropped++ === 0) {
        fail('unexpected-message', 0, `at most ${MAX_INBOX_MESSAGES} client messages queued for the script`, `more arrived before the script waited for them; the oldest are dropped`)
      }
    }
  })
  conn.onClose(() => {
    closed = true
    for (const wake of sleepers) wake()
    sleepers.clear()
  })

  function fail(kind: FailureKind, step: number, expected: string, actual: string, origin?: PlayStep['origin']): void {
    const where = origin ? ` (${origin.file}:${origin.line})` : ''
    const message =
      kind === 'wait-timeout'
        ? `step ${step}${where}: timed out waiting for ${expected}`
        : kind === 'closed-with-steps-left'
          ? `step ${step}${where}: connection closed (${actual}) while waiting to play ${expected}`
          : kind === 'unexpected-message'
            ? `step ${step}${where}: expected ${expected}, got ${actual}`
            : `step ${step}${where}: ${expected}: ${actual}`
    options.onFailure({ kind, connection: conn.id, step, expected, actual, ts: conn.elapsed(), message, ...(origin ? { origin } : {}) })
  }

  function unexpected(message: InboundMessage, step: number): void {
    fail('unexpected-message', step, 'no client message (the script has ended)', describeMessage(message))
  }

  /** Backpressure: resolves once the send buffer is below the high-water mark (true), or the connection closed (false). */
  async function drained(): Promise<boolean> {
    while (!closed && (conn.bufferedAmount ?? 0) > SEND_HIGH_WATER_MARK) {
      if (!(await sleep(SEND_DRAIN_POLL_MS))) return false
    }
    return !closed
  }

  // A timer may fire a little before its time as performance.now() counts it (the event loop's clock is cached
  // per turn, and late turns on a loaded machine make it stale): sleep again for the rest, so no step is early.
  async function sleepUntil(due: number): Promise<boolean> {
    for (let wait = due - conn.elapsed(); wait >= 1; wait = due - conn.elapsed()) {
      if (!(await sleep(wait))) return false
    }
    return true
  }

  function sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const wake = (): void => {
        sleepers.delete(wake)
        resolve(!closed)
      }
      sleepers.add(wake)
      conn.setTimer(wake, ms)
    })
  }

  /**
   * Tests one client message against a waiting step, true once it matched: an `in` step takes them in strict
   * order (another message is a failure), an `out` step's wait skips the others.
   */
  function accepts(step: PlayStep, message: InboundMessage): boolean {
    const strictOrder = step.dir === 'in'
    // A quadratic regex on an over-long message could hold the event loop: not matched, and said why.
    // (an in-memory predicate takes precedence over the step's regex)
    const regex = options.maxRegexInput === undefined || step.predicate ? undefined : strictOrder ? step.match : step.waitFor
    const tooLong = regex && regexInputProblem(regex, message.text, options.maxRegexInput as number)
    if (tooLong) {
      fail('unexpected-message', step.index + 1, describeStep(step), tooLong, step.origin)
      return false
    }
    let groups: Record<string, string> | undefined
    try {
      groups = (strictOrder ? matchIn : matchWaitFor)(step, message)
    } catch (error) {
      // A user predicate that throws is a failure of this step, never a crash of the server.
      fail('unexpected-message', step.index + 1, describeStep(step), `${describeMessage(message)} (matcher threw: ${error instanceof Error ? error.message : String(error)})`, step.origin)
      return false
    }
    if (!groups) {
      if (strictOrder) fail('unexpected-message', step.index + 1, describeStep(step), describeMessage(message), step.origin)
      return false
    }
    // Captures accumulate per connection: a name keeps its latest value until captured again.
    if (groups !== NO_GROUPS && Object.keys(groups).length > 0) ctx.match = Object.assign(Object.create(null) as Record<string, string>, ctx.match, groups)
    ctx.lastMessage = message.text
    waited = true
    return true
  }

  /**
   * Sends one step's frame; a template that throws while rendering (a faker function that fails, a
   * clock that returns NaN) fails this connection with `send-failed` and close 1011, never the process.
   */
  function sendStep(step: PlayStep): boolean {
    try {
      if (step.binary) conn.send(step.binary)
      else if (step.text !== undefined) conn.send(step.template ? step.template.render(ctx) : step.text)
      return true
    } catch (error) {
      fail('send-failed', step.index + 1, describeStep(step), `rendering threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, step.origin)
      conn.closeInbox()
      conn.close(CLOSE_INTERNAL_ERROR, SEND_FAILED_REASON)
      return false
    }
  }

  let anchorTime = 0
  let anchorTs = 0
  // The clock only moves forward: a step due at the last reading is due now, without reading it again.
  let now = -Infinity
  // bufferedAmount when the open batch was corked (-1: none); corked frames count as buffered.
  let batchAt = -1
  const flush = (): void => {
    if (batchAt >= 0) options.batch?.uncork()
    batchAt = -1
  }
  const closedAt = (step: PlayStep): void => {
    if (!options.isShuttingDown?.()) fail('closed-with-steps-left', step.index + 1, describeStep(step), 'closed', step.origin)
  }
  try {
    for (const step of replay.steps) {
      const waits = step.dir === 'in' || step.waitFor !== undefined || step.waitForJson !== undefined
      // A wait still gets the messages that arrived before the close; only then is the close reported.
      if (!waits && (closed || !conn.isOpen)) return closedAt(step)
      if (waits) {
        flush()
        // The wait is timed from here; the loop awaits the queue itself (one promise hop per message, none when queued).
        const timeout = step.timeoutMs ?? options.timeoutMs
        const deadline = conn.elapsed() + timeout
        for (let left = timeout; ; left = deadline - conn.elapsed()) {
          // A queue created after the close was never ended; what it holds is all there will be.
          if (closed && inbox.size === 0) return closedAt(step)
          // A message already queued is taken at once: no promise, no timer, no microtask.
          let message = inbox.poll()
          const queued = message !== undefined
          if (!message) {
            try {
              message = await inbox.take(Math.max(0, left))
            } catch {
              if (closed || !conn.isOpen) return closedAt(step)
              return fail('wait-timeout', step.index + 1, describeStep(step), '(nothing matching)', step.origin)
            }
          }
          if (!accepts(step, message)) continue
          // A message that arrived during the wait satisfied it on arrival (its ts is the connection's clock then).
          anchorTime = queued ? conn.elapsed() : message.ts
          break
        }
        anchorTs = step.ts
        // An `in` step, or an `out` step that only waits, is done once its message arrived.
        if (step.dir === 'in' || (step.text === undefined && step.binary === undefined && step.close === undefined)) continue
      }
      const due = anchorTime + (step.ts - anchorTs) / speed
      if (due - now >= 1) now = conn.elapsed()
      const early = due - now >= 1
      const buffered = conn.bufferedAmount ?? 0
      // The batch goes out when full, before a close, and before the player waits (for its time, or for the client to read).
      if (early || step.close || buffered > SEND_HIGH_WATER_MARK || buffered - batchAt >= SEND_BATCH_BYTES) flush()
      // A step already due (every send right after a wait) skips the async sleep and its promises.
      if ((early && !(await sleepUntil(due))) || closed || !conn.isOpen || ((early || buffered > SEND_HIGH_WATER_MARK) && !(await drained()))) return closedAt(step)
      if (batchAt < 0 && options.batch && !step.close) {
        batchAt = conn.bufferedAmount ?? 0
        options.batch.cork()
      }
      if (!sendStep(step)) return
      if (step.close) {
        conn.closeInbox()
        conn.close(step.close.code ?? 1000, step.close.reason ?? '')
        return
      }
    }
  } finally {
    // Every way out of the script: what is corked goes out, later client messages are no longer the script's.
    flush()
    done = true
  }
  // Messages that arrived but were never waited for.
  const rest = conn.closeInbox()
  if (options.afterScript && !closed && conn.isOpen) {
    handedOff = true
    options.afterScript(rest)
    return
  }
  for (const message of rest) if (options.unexpected === 'fail') unexpected(message, replay.steps.length + 1)
}
