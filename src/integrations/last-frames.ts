// What a failed test's message gets appended in Vitest and Jest: the last frames of each mock the test started,
// so the failure can be read without re-running it (Playwright attaches the whole timeline instead).
import { transcriptTail } from '../server/failure-report.js'
import type { TrackedMock } from '../server/registry.js'
import { MockWsLastFrames } from '../errors.js'

// The carrier class lives with the other errors; re-exported for the runner integrations that throw it.
export { MockWsLastFrames }

/** Frames per mock appended to a failed test's message. */
export const LAST_FRAMES_IN_FAILURES = 10

/** The last frames of each mock as one block, or undefined when no mock has a transcript. */
export function lastFramesReport(mocks: readonly TrackedMock[], frames: number = LAST_FRAMES_IN_FAILURES): string | undefined {
  const blocks = mocks.flatMap((mock) => (mock.transcript ? [[`mock ${mock.url ?? ''}`.trimEnd(), ...transcriptTail(mock.transcript, frames).map((l) => `  ${l}`)].join('\n')] : []))
  if (blocks.length === 0) return undefined
  return `mockforge-ws: what the mock${blocks.length === 1 ? '' : 's'} of this test saw last\n${blocks.join('\n')}`
}

/**
 * Runs `close`, then throws the last-frames report of a failed test (merged into a strict-failure error if
 * closing threw one).
 */
export async function closeThenReport(report: string | undefined, close: () => Promise<void>): Promise<void> {
  try {
    await close()
  } catch (error) {
    if (report && error instanceof Error) error.message += `\n\n${report}`
    throw error
  }
  if (report) throw new MockWsLastFrames(report)
}
