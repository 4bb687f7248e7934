// Keeps API keys out of what reaches a frame, an error or a log, and cuts quoted provider text to size.
import { AI_ERROR_SNIPPET_CHARS, AI_MIN_REDACTED_KEY_CHARS } from './defaults.js'

// Provider error bodies sometimes echo the key (OpenAI's 401 quotes a masked form of it).
const KEY_LIKE = /\b(sk|pk|rk)-[A-Za-z0-9_*.-]{6,}/g

/**
 * Removes the API key (when it is at least `AI_MIN_REDACTED_KEY_CHARS` long), and anything shaped like one, from
 * text that will reach a frame, an error or a log.
 */
export function redactSecrets(text: string, apiKey?: string): string {
  let out = text
  if (apiKey && apiKey.length >= AI_MIN_REDACTED_KEY_CHARS) out = out.split(apiKey).join('[redacted]')
  return out.replace(KEY_LIKE, '[redacted]')
}

/** Applies `redactSecrets` to every string (keys included) of a JSON value, such as a generated event's data. */
export function redactValue(value: unknown, apiKey?: string): unknown {
  if (typeof value === 'string') return redactSecrets(value, apiKey)
  if (Array.isArray(value)) return value.map((item) => redactValue(item, apiKey))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [redactSecrets(k, apiKey), redactValue(v, apiKey)]))
  }
  return value
}

/** Cuts text to the length quoted in error messages, on one line. */
export function snippet(text: string, max: number = AI_ERROR_SNIPPET_CHARS): string {
  const oneLine = text.replace(/\s+/g, ' ').trim()
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine
}
