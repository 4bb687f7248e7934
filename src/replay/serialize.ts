import type { CompiledReplay, ReplayEntry } from './types.js'

/**
 * Writes one replay entry as a compact JSON object with its fields in the canonical order
 * (ts, dir, text | binary, json, waitFor, waitForJson, match, capture, timeoutMs, close); absent fields are left out.
 * @example
 * formatReplayEntry({ dir: 'out', ts: 0, text: 'hi' }) // '{"ts":0,"dir":"out","text":"hi"}'
 */
export function formatReplayEntry(entry: ReplayEntry): string {
  // Built by hand rather than from a reordered object so that key order never depends on insertion.
  let out = `{"ts":${JSON.stringify(entry.ts)},"dir":${JSON.stringify(entry.dir)}`
  if (entry.text !== undefined) out += `,"text":${JSON.stringify(entry.text)}`
  if (entry.binary !== undefined) out += `,"binary":${JSON.stringify(entry.binary)}`
  if (entry.json !== undefined) out += `,"json":${JSON.stringify(entry.json)}`
  if (entry.waitFor !== undefined) out += `,"waitFor":${JSON.stringify(entry.waitFor)}`
  if (entry.waitForJson !== undefined) out += `,"waitForJson":${JSON.stringify(entry.waitForJson)}`
  if (entry.match !== undefined) out += `,"match":${JSON.stringify(entry.match)}`
  if (entry.capture !== undefined) out += `,"capture":${JSON.stringify(entry.capture)}`
  if (entry.timeoutMs !== undefined) out += `,"timeoutMs":${JSON.stringify(entry.timeoutMs)}`
  if (entry.close !== undefined) {
    const parts: string[] = []
    if (entry.close.code !== undefined) parts.push(`"code":${JSON.stringify(entry.close.code)}`)
    if (entry.close.reason !== undefined) parts.push(`"reason":${JSON.stringify(entry.close.reason)}`)
    out += `,"close":{${parts.join(',')}}`
  }
  return `${out}}`
}

/**
 * Writes replay entries (or a compiled replay's entries) as JSON Lines: one compact object per line, trailing newline.
 * @example
 * fs.writeFileSync('chat.jsonl', toJSONL([{ ts: 0, dir: 'out', text: 'hello' }, { ts: 10, dir: 'in', match: '^bye$' }]))
 */
export function toJSONL(source: readonly ReplayEntry[] | CompiledReplay): string {
  const entries = isCompiled(source) ? source.steps.map((step) => step.entry) : source
  let out = ''
  for (const entry of entries) out += `${formatReplayEntry(entry)}\n`
  return out
}

function isCompiled(source: readonly ReplayEntry[] | CompiledReplay): source is CompiledReplay {
  return !Array.isArray(source)
}
