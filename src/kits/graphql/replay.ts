import type { ReplayEntry } from '../../replay/types.js'
import type { TranscriptFrame } from '../../server/types.js'

const REGEX_SPECIALS = /[.*+?^${}()|[\]\\/]/g

function escapeRegex(text: string): string {
  return text.replace(REGEX_SPECIALS, '\\$&')
}

function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined
  try {
    const value: unknown = JSON.parse(text)
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

// The content of a JSON string literal (escapes included), so that a captured id goes back between quotes as it came.
const JSON_STRING_BODY = '(?:[^"\\\\]|\\\\.)*'

/**
 * One connection's graphql-transport-ws traffic (default: the first connection's) as replay entries that
 * a plain `mockWs()` replays to a fresh client: the client's ids are captured from its `subscribe`
 * messages (`capture` names `id1`, `id2`, … in order) and used as `{{match.idN}}` in the server's
 * messages for that operation; `connection_init` matches whatever its payload; keep-alive pings and
 * pongs are left out (a plain replay does not answer pings; the kit does).
 * @example
 * const entries = graphqlFramesToReplay(gql.transcript, 1)
 */
export function graphqlFramesToReplay(frames: readonly TranscriptFrame[], connection?: number): ReplayEntry[] {
  const conn = connection ?? frames[0]?.connection
  const entries: ReplayEntry[] = []
  // Recorded client id → capture name.
  const captures = new Map<string, string>()
  let lastTs = 0
  for (const frame of frames) {
    if (frame.connection !== conn) continue
    const ts = Math.max(lastTs, Math.round(frame.ts))
    lastTs = ts
    if (frame.close) {
      // Only a close the server initiated can be replayed; a client's close is the client's business.
      if (frame.dir === 'out') entries.push({ ts, dir: 'out', close: { code: frame.close.code, reason: frame.close.reason } })
      continue
    }
    if (frame.binary) continue // the protocol is text only; a binary frame was refused with 4400, which the close entry replays
    const text = frame.text ?? ''
    const message = parseObject(text)
    const type = message?.['type']
    const id = typeof message?.['id'] === 'string' ? message['id'] : undefined
    if (type === 'ping' || type === 'pong') continue
    if (frame.dir === 'in') {
      if (type === 'connection_init') {
        entries.push({ ts, dir: 'in', match: '"type":"connection_init"' })
      } else if (type === 'subscribe' && id !== undefined) {
        const name = `id${captures.size + 1}`
        captures.set(id, name)
        const payload = message?.['payload'] as { query?: unknown } | undefined
        const query = typeof payload?.query === 'string' ? `(?=.*"query":${escapeRegex(JSON.stringify(payload.query))})` : ''
        entries.push({ ts, dir: 'in', match: `^(?=.*"type":"subscribe")${query}.*?"id":"(?<${name}>${JSON_STRING_BODY})"` })
      } else if (type === 'complete' && id !== undefined) {
        entries.push({ ts, dir: 'in', match: '"type":"complete"' })
      } else {
        entries.push({ ts, dir: 'in', text })
      }
      continue
    }
    // Server text is literal: escape template braces, then put the client's id back as a capture.
    let out = text.replaceAll('{{', '\\{{')
    const name = id !== undefined ? captures.get(id) : undefined
    if (id !== undefined && name) out = out.replace(`"id":${JSON.stringify(id).replaceAll('{{', '\\{{')}`, `"id":"{{match.${name}}}"`)
    entries.push({ ts, dir: 'out', text: out })
  }
  return entries
}
