import { isShutdownClose } from '../../replay/shutdown-close.js'
import type { ReplayEntry } from '../../replay/types.js'
import type { TranscriptFrame } from '../../server/types.js'
import { escapeTemplateText } from '../../template/escape.js'

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/**
 * One connection's graphql-transport-ws traffic (default: the first connection's) as replay entries that
 * a plain `mockWs()` replays to a fresh client: each `subscribe` becomes a `json` entry (type and query)
 * whose `capture` takes the client's id (`id1`, `id2`, … in order), used as `{{match.idN}}` in the
 * server's messages for that operation; `connection_init` matches whatever its payload; keep-alive
 * pings and pongs are left out (a plain replay does not answer pings; the kit does).
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
      // Only a close the server initiated can be replayed (not the client's, nor the mock's own shutdown).
      if (frame.dir === 'out' && !isShutdownClose(frame)) entries.push({ ts, dir: 'out', close: { code: frame.close.code, reason: frame.close.reason } })
      continue
    }
    if (frame.binary) continue // the protocol is text only; a binary frame was refused with 4400, which the close entry replays
    const text = frame.text ?? ''
    const message = parseObject(text)
    const type = message?.['type']
    const id = typeof message?.['id'] === 'string' ? message['id'] : undefined
    if (type === 'ping' || type === 'pong') continue
    if (frame.dir === 'in') {
      if (type === 'connection_init' || (type === 'complete' && id !== undefined)) {
        // Whatever the init payload (tokens) and whichever id the new client completes.
        entries.push({ ts, dir: 'in', json: { type } })
      } else if (type === 'subscribe' && id !== undefined) {
        const name = `id${captures.size + 1}`
        captures.set(id, name)
        const payload = message?.['payload'] as { query?: unknown; operationName?: unknown } | undefined
        const match: Record<string, string> = {}
        if (typeof payload?.query === 'string') match['query'] = payload.query
        if (typeof payload?.operationName === 'string') match['operationName'] = payload.operationName
        entries.push({ ts, dir: 'in', json: { type: 'subscribe', payload: match }, capture: { [name]: '$.id' } })
      } else {
        entries.push({ ts, dir: 'in', text })
      }
      continue
    }
    // Server text is literal: template braces escaped, then the client's id put back as a capture.
    let out = escapeTemplateText(text)
    const name = id !== undefined ? captures.get(id) : undefined
    if (id !== undefined && name) out = out.replace(`"id":${escapeTemplateText(JSON.stringify(id))}`, `"id":"{{match.${name}}}"`)
    entries.push({ ts, dir: 'out', text: out })
  }
  return entries
}
