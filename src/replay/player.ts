import type { InboundMessage } from '../server/connection.js'
import type { MessageQueue } from '../server/message-queue.js'
import type { FailureKind, ScenarioFailure } from '../server/types.js'
import type { TemplateContext } from '../template/context.js'
import { MAX_INBOX_MESSAGES, SEND_DRAIN_POLL_MS, SEND_HIGH_WATER_MARK } from '../constants.js'
import { regexInputProblem } from './regex-input.js'
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
  setTimer(fn: () => void, ms: number): NodeJS.Timeout
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
  /** Longest message a quadratic regex is run against (default: no limit); see `regexInputProblem`. */
  maxRegexInput?: number
}

/** The regex a step would run on a text message, when no in-memory predicate takes precedence. */
function stepRegex(step: PlayStep): RegExp | undefined {
  if (step.predicate) return undefined
  return step.dir === 'in' ? step.match : step.waitFor
}

const BINARY_PREVIEW_BYTES = 16

/** A readable form of a step's expectation, for failure messages. */
export function describeStep(step: PlayStep): string {
  if (step.origin.description) return step.origin.description
  if (step.dir === 'out' && step.waitFor) return `waitFor /${step.waitFor.source}/`
  if (step.match) return `/${step.match.source}/`
  if (step.binary) return `<binary ${step.binary.byteLength} bytes>`
  return JSON.stringify(step.text ?? '')
}

function describeMessage(message: InboundMessage): string {
  if (!message.isBinary) return JSON.stringify(message.text)
  const bytes = message.data as Uint8Array
  const hex = Buffer.from(bytes.subarray(0, BINARY_PREVIEW_BYTES)).toString('hex')
  return `<binary ${bytes.byteLength} bytes: ${hex}${bytes.byteLength > BINARY_PREVIEW_BYTES ? '…' : ''}>`
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0
}

/** Tests a client message against an `in` step; returns the named groups on a match, `undefined` otherwise. */
function matchIn(step: PlayStep, message: InboundMessage): Record<string, string> | undefined {
  if (step.predicate) return step.predicate(message.text) ? {} : undefined
  if (step.match) return execGroups(step.match, message.text)
  if (step.binary) return message.isBinary && sameBytes(step.binary, message.data as Uint8Array) ? {} : undefined
  return !message.isBinary && message.text === step.text ? {} : undefined
}

/** Tests a client message against an `out` step's `waitFor`; the in-memory predicate wins over the regex. */
function matchWaitFor(step: PlayStep, message: InboundMessage): Record<string, string> | undefined {
  if (step.predicate) return step.predicate(message.text) ? {} : undefined
  return step.waitFor ? execGroups(step.waitFor, message.text) : {}
}

function execGroups(regex: RegExp, text: string): Record<string, string> | undefined {
  regex.lastIndex = 0
  const found = regex.exec(text)
  if (!found) return undefined
  const groups: Record<string, string> = {}
  if (found.groups) for (const [name, value] of Object.entries(found.groups)) if (value !== undefined) groups[name] = value
  return groups
}

type WaitOutcome = { ok: true; at: number } | { ok: false; reason: 'timeout' | 'closed' }

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
  let closed = false
  const sleepers = new Set<() => void>()

  let inboxDropped = 0
  conn.onMessage((message) => {
    ctx.lastMessage = message.text
    if (done && options.unexpected === 'fail') unexpected(message, replay.steps.length + 1)
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

  async function waitFor(step: PlayStep, test: (m: InboundMessage) => Record<string, string> | undefined, strictOrder: boolean): Promise<WaitOutcome> {
    const timeout = step.timeoutMs ?? options.timeoutMs
    const deadline = conn.elapsed() + timeout
    for (;;) {
      let message: InboundMessage
      try {
        message = await inbox.take(Math.max(0, deadline - conn.elapsed()))
      } catch {
        return { ok: false, reason: closed || !conn.isOpen ? 'closed' : 'timeout' }
      }
      // A quadratic regex on an over-long message could hold the event loop: not matched, and said why.
      const regex = options.maxRegexInput === undefined ? undefined : stepRegex(step)
      const tooLong = regex && regexInputProblem(regex, message.text, options.maxRegexInput as number)
      if (tooLong) {
        fail('unexpected-message', step.index + 1, describeStep(step), tooLong, step.origin)
        continue
      }
      let groups: Record<string, string> | undefined
      try {
        groups = test(message)
      } catch (error) {
        // A user predicate that throws is a failure of this step, never a crash of the server.
        fail('unexpected-message', step.index + 1, describeStep(step), `${describeMessage(message)} (matcher threw: ${error instanceof Error ? error.message : String(error)})`, step.origin)
        continue
      }
      if (groups) {
        ctx.match = groups
        return { ok: true, at: conn.elapsed() }
      }
      if (strictOrder) fail('unexpected-message', step.index + 1, describeStep(step), describeMessage(message), step.origin)
    }
  }

  let anchorTime = 0
  let anchorTs = 0
  for (const step of replay.steps) {
    if (closed || !conn.isOpen) {
      if (!options.isShuttingDown?.()) fail('closed-with-steps-left', step.index + 1, describeStep(step), 'closed', step.origin)
      done = true
      return
    }
    if (step.dir === 'in' || step.waitFor) {
      const outcome =
        step.dir === 'in'
          ? await waitFor(step, (m) => matchIn(step, m), true)
          : await waitFor(step, (m) => matchWaitFor(step, m), false)
      if (!outcome.ok) {
        if (outcome.reason === 'timeout') {
          fail('wait-timeout', step.index + 1, describeStep(step), '(nothing matching)', step.origin)
        } else if (!options.isShuttingDown?.()) {
          fail('closed-with-steps-left', step.index + 1, describeStep(step), 'closed', step.origin)
        }
        done = true
        return
      }
      anchorTime = outcome.at
      anchorTs = step.ts
      if (step.dir === 'in') continue
    }
    const due = anchorTime + (step.ts - anchorTs) / speed
    const wait = due - conn.elapsed()
    // Backpressure only costs an await when the client is behind on reading.
    if ((wait >= 1 && !(await sleep(wait))) || ((conn.bufferedAmount ?? 0) > SEND_HIGH_WATER_MARK && !(await drained()))) {
      if (!options.isShuttingDown?.()) fail('closed-with-steps-left', step.index + 1, describeStep(step), 'closed', step.origin)
      done = true
      return
    }
    if (step.binary) conn.send(step.binary)
    else if (step.text !== undefined) conn.send(step.template ? step.template.render(ctx) : step.text)
    if (step.close) {
      done = true
      conn.closeInbox()
      conn.close(step.close.code ?? 1000, step.close.reason ?? '')
      return
    }
  }
  done = true
  // Messages that arrived but were never waited for.
  for (const message of conn.closeInbox()) if (options.unexpected === 'fail') unexpected(message, replay.steps.length + 1)
}
