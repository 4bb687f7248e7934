// What a `catch` holds is `unknown`; these turn it into an Error, or into the text of a message, once.
import { MockWsError, type MockWsErrorCode } from '../errors.js'

/**
 * `value` when it is an Error, else an Error whose message is `String(value)` (a `MockWsError` with
 * `code` when one is given).
 */
export function toError(value: unknown, code?: MockWsErrorCode): Error {
  if (value instanceof Error) return value
  const message = safeString(value)
  return code === undefined ? new Error(message) : new MockWsError(code, message)
}

/** The message of an Error, or `String(value)` for anything else thrown; never throws. */
export function errorMessage(value: unknown): string {
  return value instanceof Error ? value.message : safeString(value)
}

function safeString(value: unknown): string {
  try {
    return String(value)
  } catch {
    // A thrown object whose toString throws, or a null-prototype object.
    return Object.prototype.toString.call(value)
  }
}
