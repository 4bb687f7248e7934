import { FAILURE_TRANSCRIPT_FRAMES } from '../constants.js'
import { toHex } from '../session/bytes.js'
import type { FailureKind, ScenarioFailure, TranscriptFrame } from './types.js'

/** Longest frame text shown on one transcript line before it is cut with `…`. */
export const FAILURE_REPORT_TEXT_MAX_CHARS = 120
/** Longest `expected`/`actual` value shown in a failure block before it is cut with `…`. */
export const FAILURE_REPORT_VALUE_MAX_CHARS = 400
/** Bytes of a binary frame shown as hex in a transcript line. */
const BINARY_PREVIEW_BYTES = 16

const KIND_LABELS: Record<FailureKind, string> = {
  'unexpected-message': 'unexpected message',
  'wait-timeout': 'timed out waiting',
  'closed-with-steps-left': 'connection closed with steps left',
  'send-failed': 'send failed',
  'schema-mismatch': 'message breaks the AsyncAPI schema',
}

/** Options of `formatFailureReport`. */
export interface FailureReportOptions {
  /** How many of the last transcript frames to show (default `FAILURE_TRANSCRIPT_FRAMES`, 0 hides them). */
  frames?: number
  /** Failures that happened but were not kept (`metrics.failuresDropped`); the headline counts them. */
  dropped?: number
}

// Control characters would break the one-frame-per-line timeline.
const CONTROL_CHARS = /[\u0000-\u001f\u007f\u2028\u2029]/g

function oneLine(text: string): string {
  return text.replace(CONTROL_CHARS, (c) => {
    if (c === '\n') return '\\n'
    if (c === '\r') return '\\r'
    if (c === '\t') return '\\t'
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  })
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

function formatBinary(bytes: Uint8Array): string {
  const hex = toHex(bytes.subarray(0, BINARY_PREVIEW_BYTES))
  const more = bytes.byteLength > BINARY_PREVIEW_BYTES ? '…' : ''
  return `<binary ${bytes.byteLength} byte${bytes.byteLength === 1 ? '' : 's'}${hex ? `: ${hex}${more}` : ''}>`
}

/**
 * One transcript frame as a single readable line body: the text, `<binary N bytes: hex…>` or `close CODE "reason"`.
 * @example
 * formatFrame({ connection: 1, ts: 0, dir: 'out', close: { code: 1000, reason: 'bye' } }) // 'close 1000 "bye"'
 */
export function formatFrame(frame: TranscriptFrame): string {
  if (frame.close) return `close ${frame.close.code}${frame.close.reason ? ` ${JSON.stringify(frame.close.reason)}` : ''}`
  if (frame.binary) return formatBinary(frame.binary)
  const text = frame.text ?? ''
  return text === '' ? '""' : cut(oneLine(text), FAILURE_REPORT_TEXT_MAX_CHARS)
}

function formatFailure(failure: ScenarioFailure, index: number, total: number): string[] {
  const origin = failure.origin
  let where = ''
  if (origin) {
    const at = `${origin.file}:${origin.line}`
    where = origin.description ? ` (${origin.description} at ${at})` : ` (at ${at})`
  }
  const number = total > 1 ? `${index + 1}) ` : ''
  return [
    `${number}connection #${failure.connection}, step ${failure.step}${where}: ${KIND_LABELS[failure.kind] ?? failure.kind} at +${Math.round(failure.ts)}ms`,
    `   expected: ${cut(oneLine(failure.expected), FAILURE_REPORT_VALUE_MAX_CHARS)}`,
    `   actual:   ${cut(oneLine(failure.actual), FAILURE_REPORT_VALUE_MAX_CHARS)}`,
  ]
}

/**
 * The last `limit` transcript frames as readable lines (`#1  +5ms  ←  hello`), headed by how many are shown.
 * @example
 * transcriptTail(ws.transcript, 10).join('\n')
 */
export function transcriptTail(transcript: readonly TranscriptFrame[], limit: number = FAILURE_TRANSCRIPT_FRAMES): string[] {
  const shown = transcript.slice(-Math.max(0, Math.floor(limit)))
  if (shown.length === 0) return ['transcript: (no frames)']
  const scope = shown.length < transcript.length ? `last ${shown.length} of ${transcript.length} frames` : `${shown.length} frame${shown.length === 1 ? '' : 's'}`
  const lines = [`transcript (${scope}; → server to client, ← client to server):`]
  const ids = shown.map((f) => `#${f.connection}`)
  const times = shown.map((f) => `+${Math.round(f.ts)}ms`)
  const idWidth = Math.max(...ids.map((s) => s.length))
  const timeWidth = Math.max(...times.map((s) => s.length))
  shown.forEach((frame, i) => {
    const arrow = frame.dir === 'out' ? '→' : '←'
    lines.push(`  ${(ids[i] ?? '').padEnd(idWidth)}  ${(times[i] ?? '').padStart(timeWidth)}  ${arrow}  ${formatFrame(frame)}`)
  })
  return lines
}

/**
 * Formats scenario failures and the last transcript frames as one block a user can read in a test log.
 * @example
 * throw new Error(formatFailureReport(ws.failures, ws.transcript))
 */
export function formatFailureReport(
  failures: readonly ScenarioFailure[],
  transcript: readonly TranscriptFrame[],
  opts: FailureReportOptions = {},
): string {
  const limit = Math.max(0, Math.floor(opts.frames ?? FAILURE_TRANSCRIPT_FRAMES))
  const count = failures.length
  const dropped = Math.max(0, Math.floor(opts.dropped ?? 0))
  const total = count + dropped
  const lines = [`mockforge-ws: ${total === 0 ? 'no' : total} scenario failure${total === 1 ? '' : 's'}`]
  if (dropped > 0) lines[0] += ` (only the first ${count} are kept; ${dropped} more were dropped)`
  failures.forEach((failure, i) => {
    lines.push('', ...formatFailure(failure, i, count))
  })
  if (limit > 0) lines.push('', ...transcriptTail(transcript, limit))
  return lines.join('\n')
}
