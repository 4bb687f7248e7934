import type { TranscriptFrame } from '../server/types.js'

// Close frames a mock sent because it was shutting down (its own `close()`), not because the script,
// the upstream or the client ended the connection. Kept beside the transcript rather than in it, so
// transcripts keep their shape; a WeakSet forgets frames the transcript has dropped.
const shutdownCloses = new WeakSet<TranscriptFrame>()

/** Marks a transcript close frame as the mock's own shutdown, which recordings leave out. */
export function markShutdownClose(frame: TranscriptFrame): void {
  shutdownCloses.add(frame)
}

/** True for a close frame the mock sent while shutting down; such a close does not belong in a recording. */
export function isShutdownClose(frame: TranscriptFrame): boolean {
  return shutdownCloses.has(frame)
}
