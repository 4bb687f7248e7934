import type { CompiledReplay, ReplayEntry } from './types.js'

/** The fields of a replay entry, in the canonical order `toJSONL` writes them. */
export const REPLAY_FIELDS = ['ts', 'dir', 'text', 'binary', 'json', 'waitFor', 'waitForJson', 'match', 'capture', 'timeoutMs', 'close'] as const
export const CLOSE_FIELDS = ['code', 'reason'] as const

function pick<T extends object>(from: T, keys: readonly (keyof T)[]): T {
  const out: Partial<T> = {}
  for (const key of keys) if (from[key] !== undefined) out[key] = from[key]
  return out as T
}

/** A copy of an entry with its fields (and its `close` fields) in the canonical order; absent fields left out. */
export function canonicalEntry(entry: ReplayEntry): ReplayEntry {
  const out = pick(entry, REPLAY_FIELDS)
  if (out.close !== undefined) out.close = pick(out.close, CLOSE_FIELDS)
  return out
}

/**
 * Writes one replay entry as a compact JSON object with its fields in the canonical order
 * (ts, dir, text | binary, json, waitFor, waitForJson, match, capture, timeoutMs, close); absent fields are left out.
 */
export function formatReplayEntry(entry: ReplayEntry): string {
  return JSON.stringify(canonicalEntry(entry))
}

/**
 * Writes replay entries (or a compiled replay's entries) as JSON Lines: one compact object per line, trailing newline.
 * @example
 * fs.writeFileSync('chat.jsonl', toJSONL([{ ts: 0, dir: 'out', text: 'hello' }, { ts: 10, dir: 'in', match: '^bye$' }]))
 */
export function toJSONL(source: readonly ReplayEntry[] | CompiledReplay): string {
  const entries = Array.isArray(source) ? source : (source as CompiledReplay).steps.map((step) => step.entry)
  let out = ''
  for (const entry of entries) out += `${formatReplayEntry(entry)}\n`
  return out
}
