import type { TranscriptFrame } from '../server/types.js'
import { escapeTemplateText } from '../template/escape.js'
import { isShutdownClose } from './shutdown-close.js'
import { toBase64 } from '../session/bytes.js'
import type { ReplayEntry } from './types.js'

/**
 * One connection's transcript frames (default: the first connection's) as replay entries, ready to save
 * as a fixture; shared by `MockWs#toReplay()` and the MSW adapter, and free of Node-only APIs.
 * @example
 * framesToReplay(ws.transcript, 1)
 */
export function framesToReplay(frames: readonly TranscriptFrame[], connection?: number): ReplayEntry[] {
  const id = connection ?? frames[0]?.connection
  const entries: ReplayEntry[] = []
  let lastTs = 0
  for (const frame of frames) {
    if (frame.connection !== id) continue
    const ts = Math.max(lastTs, Math.round(frame.ts))
    lastTs = ts
    if (frame.close) {
      // Only a close the server initiated can be replayed; a client's close is the client's business,
      // and the mock's own shutdown (its close() ending every connection with 1001) is nobody's.
      if (frame.dir === 'out' && !isShutdownClose(frame)) entries.push({ ts, dir: 'out', close: { code: frame.close.code, reason: frame.close.reason } })
      continue
    }
    if (frame.binary) entries.push({ ts, dir: frame.dir, binary: toBase64(frame.binary) })
    // Server text is literal: `{{` is escaped so it never expands on replay. Client text is matched exactly, never templated.
    else if (frame.dir === 'out') entries.push({ ts, dir: 'out', text: escapeTemplateText(frame.text ?? '') })
    else entries.push({ ts, dir: 'in', text: frame.text ?? '' })
  }
  return entries
}
