import { toBase64 } from '../session/bytes.js'
import type { ScenarioFailure, TranscriptFrame } from '../server/types.js'

/**
 * A mock's transcript as JSON Lines (one frame per line with its connection, binary as base64, then one line
 * per failure as `{"connection","ts","failure"}`): what the Playwright fixture attaches to a failed test,
 * and what `mockforge-ws view` reads back. Times are rounded to 0.1 ms.
 * @example
 * writeFileSync('transcript.jsonl', transcriptToJsonl(ws.transcript, ws.failures))
 */
export function transcriptToJsonl(frames: readonly TranscriptFrame[], failures: readonly ScenarioFailure[] = []): string {
  const lines: string[] = []
  for (const f of frames) {
    const base = { connection: f.connection, ts: Math.round(f.ts * 10) / 10, dir: f.dir }
    if (f.close) lines.push(JSON.stringify({ ...base, close: f.close }))
    else if (f.binary) lines.push(JSON.stringify({ ...base, binary: toBase64(f.binary) }))
    else lines.push(JSON.stringify({ ...base, text: f.text ?? '' }))
  }
  for (const failure of failures) {
    lines.push(JSON.stringify({ connection: failure.connection, ts: Math.round(failure.ts * 10) / 10, failure: failure.message, kind: failure.kind }))
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : ''
}
