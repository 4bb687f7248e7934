// The WebSocket close-code rules, once (RFC 6455 §7.4): which codes a close frame may carry, which a
// replay or scenario may name, which a client may send, and the reason limit. The codes' names are the
// CLOSE_* constants in src/constants.ts.
// Node-free: the MSW path bundles for the browser.
import { CLOSE_ABNORMAL, CLOSE_NORMAL, MAX_CLOSE_REASON_BYTES } from '../constants.js'
import { utf8Length } from './bytes.js'

/** Registered close codes a server may send run 1000–1014 (1015 is reserved for TLS failures). */
const MIN_PROTOCOL_CLOSE_CODE = 1000
const MAX_PROTOCOL_CLOSE_CODE = 1014
/** Registered codes no close frame may carry: 1004 (reserved), 1005 (no status), 1006 (abnormal). */
const RESERVED_CLOSE_CODES: ReadonlySet<number> = new Set([1004, 1005, 1006])
/** The library and application ranges. */
const MIN_APP_CLOSE_CODE = 3000
const MAX_APP_CLOSE_CODE = 4999
/** Ellipsis `truncateCloseReason` puts at the end of a cut reason (ASCII: one byte a character). */
const CUT_MARK = '...'

/** The codes a script may close with, in words, for error hints. */
export const CLOSE_CODE_RULE = '1000 (normal), 1001-1003, 1007-1014 or an application code 3000-4999'

/** True for a code a close frame may carry on the wire: 1000–1014 except 1004–1006, and 3000–4999. */
export function isSendableCloseCode(code: number): boolean {
  if (!Number.isInteger(code)) return false
  if (code >= MIN_APP_CLOSE_CODE && code <= MAX_APP_CLOSE_CODE) return true
  return code >= MIN_PROTOCOL_CLOSE_CODE && code <= MAX_PROTOCOL_CLOSE_CODE && !RESERVED_CLOSE_CODES.has(code)
}

/**
 * True for a code a replay `close` entry or `scenario.close()` may name: a sendable code, or 1006, which
 * drops the connection without a close frame.
 */
export function isScriptCloseCode(code: number): boolean {
  return code === CLOSE_ABNORMAL || isSendableCloseCode(code)
}

/** True for a code a browser client may pass to `WebSocket.close()`: 1000 or 3000–4999. */
export function isClientCloseCode(code: number | undefined): code is number {
  return code === CLOSE_NORMAL || (code !== undefined && Number.isInteger(code) && code >= MIN_APP_CLOSE_CODE && code <= MAX_APP_CLOSE_CODE)
}

/** The problem with a close reason, or `undefined` when a close frame can carry it (at most 123 UTF-8 bytes). */
export function closeReasonProblem(reason: string): string | undefined {
  const size = utf8Length(reason)
  return size > MAX_CLOSE_REASON_BYTES ? `the reason is ${size} bytes of UTF-8, over the protocol's ${MAX_CLOSE_REASON_BYTES}` : undefined
}

/** Cuts a close reason to at most 123 UTF-8 bytes without splitting a character, marking the cut with `...`. */
export function truncateCloseReason(reason: string): string {
  if (utf8Length(reason) <= MAX_CLOSE_REASON_BYTES) return reason
  // encodeInto writes whole characters only; `read` is how many UTF-16 units fitted.
  const { read } = new TextEncoder().encodeInto(reason, new Uint8Array(MAX_CLOSE_REASON_BYTES - CUT_MARK.length))
  return `${reason.slice(0, read)}${CUT_MARK}`
}
