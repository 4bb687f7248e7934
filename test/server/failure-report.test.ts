import { describe, expect, it } from 'vitest'
import { FAILURE_TRANSCRIPT_FRAMES } from '../../src/constants.js'
import { formatFailureReport, formatFrame } from '../../src/server/failure-report.js'
import type { ScenarioFailure, TranscriptFrame } from '../../src/server/types.js'

const transcript: TranscriptFrame[] = [
  { connection: 1, ts: 0, dir: 'out', text: '{"type":"hello"}' },
  { connection: 1, ts: 12.4, dir: 'in', text: '{"type":"unsubscribe"}' },
  { connection: 2, ts: 3, dir: 'in', binary: Uint8Array.from([0x0a, 0x0b, 0xff]) },
  { connection: 1, ts: 1500, dir: 'out', close: { code: 1000, reason: 'bye' } },
]

function failure(overrides: Partial<ScenarioFailure> & Pick<ScenarioFailure, 'kind'>): ScenarioFailure {
  return {
    connection: 1,
    step: 3,
    origin: { file: '<scenario>', line: 3, description: 'expect({"type":"subscribe"})' },
    expected: '{"type":"subscribe"}',
    actual: '"{\\"type\\":\\"unsubscribe\\"}"',
    ts: 12,
    message: 'step 3: expected {"type":"subscribe"}',
    ...overrides,
  }
}

describe('formatFailureReport', () => {
  it('reports an unexpected message with the timeline', () => {
    expect(formatFailureReport([failure({ kind: 'unexpected-message' })], transcript)).toMatchInlineSnapshot(`
      "mockforge-ws: 1 scenario failure

      connection #1, step 3 (expect({"type":"subscribe"}) at <scenario>:3): unexpected message at +12ms
         expected: {"type":"subscribe"}
         actual:   "{\\"type\\":\\"unsubscribe\\"}"

      transcript (4 frames; → server to client, ← client to server):
        #1     +0ms  →  {"type":"hello"}
        #1    +12ms  ←  {"type":"unsubscribe"}
        #2     +3ms  ←  <binary 3 bytes: 0a0bff>
        #1  +1500ms  →  close 1000 "bye""
    `)
  })

  it('reports a wait timeout from a replay file', () => {
    const timeout = failure({
      kind: 'wait-timeout',
      step: 2,
      origin: { file: 'test/fixtures/chat.jsonl', line: 2 },
      expected: 'waitFor /^CLIENT_READY$/',
      actual: '(nothing matching)',
      ts: 5001,
    })
    expect(formatFailureReport([timeout], transcript.slice(0, 1))).toMatchInlineSnapshot(`
      "mockforge-ws: 1 scenario failure

      connection #1, step 2 (at test/fixtures/chat.jsonl:2): timed out waiting at +5001ms
         expected: waitFor /^CLIENT_READY$/
         actual:   (nothing matching)

      transcript (1 frame; → server to client, ← client to server):
        #1  +0ms  →  {"type":"hello"}"
    `)
  })

  it('numbers several failures and shows only the last frames', () => {
    const closed = failure({
      kind: 'closed-with-steps-left',
      connection: 2,
      step: 4,
      origin: { file: '<scenario>', line: 4, description: 'send("{\\"price\\":1}")' },
      expected: 'send("{\\"price\\":1}")',
      actual: 'closed',
      ts: 40,
    })
    const sendFailed = failure({
      kind: 'send-failed',
      step: 1,
      origin: undefined,
      expected: 'send <binary 2 bytes>',
      actual: 'Error: socket hang up',
      ts: 1,
    })
    expect(formatFailureReport([closed, sendFailed], transcript, { frames: 2 })).toMatchInlineSnapshot(`
      "mockforge-ws: 2 scenario failures

      1) connection #2, step 4 (send("{\\"price\\":1}") at <scenario>:4): connection closed with steps left at +40ms
         expected: send("{\\"price\\":1}")
         actual:   closed

      2) connection #1, step 1: send failed at +1ms
         expected: send <binary 2 bytes>
         actual:   Error: socket hang up

      transcript (last 2 of 4 frames; → server to client, ← client to server):
        #2     +3ms  ←  <binary 3 bytes: 0a0bff>
        #1  +1500ms  →  close 1000 "bye""
    `)
  })

  it('says so when there is nothing to report', () => {
    expect(formatFailureReport([], [])).toMatchInlineSnapshot(`
      "mockforge-ws: no scenario failures

      transcript: (no frames)"
    `)
    expect(formatFailureReport([failure({ kind: 'unexpected-message' })], transcript, { frames: 0 })).not.toContain('transcript')
  })

  it(`shows at most FAILURE_TRANSCRIPT_FRAMES (${FAILURE_TRANSCRIPT_FRAMES}) frames by default`, () => {
    const many: TranscriptFrame[] = Array.from({ length: FAILURE_TRANSCRIPT_FRAMES + 5 }, (_, i) => ({ connection: 1, ts: i, dir: 'in', text: `m${i}` }))
    const report = formatFailureReport([], many)
    const frameLines = report.split('\n').filter((line) => line.startsWith('  #'))
    expect(frameLines).toHaveLength(FAILURE_TRANSCRIPT_FRAMES)
    expect(frameLines.at(-1)).toContain(`m${many.length - 1}`)
    expect(report).toContain(`last ${FAILURE_TRANSCRIPT_FRAMES} of ${many.length} frames`)
  })

  it('keeps every frame on one line and cuts long values', () => {
    const long = 'x'.repeat(500)
    const report = formatFailureReport(
      [failure({ kind: 'unexpected-message', actual: `line1\nline2 ${long}` })],
      [{ connection: 1, ts: 0, dir: 'in', text: `a\r\nb\t\u0001${long}` }],
    )
    const lines = report.split('\n')
    const frame = lines.find((line) => line.startsWith('  #')) ?? ''
    expect(frame).toMatch(/←  a\\r\\nb\\t\\u0001x+…$/)
    expect(frame.length).toBeLessThan(140)
    const actual = lines.find((line) => line.includes('actual:')) ?? ''
    expect(actual).toMatch(/^ {3}actual: {3}line1\\nline2 x+…$/)
  })
})

describe('formatFrame', () => {
  it('shows texts, binary previews and closes', () => {
    const frames: TranscriptFrame[] = [
      { connection: 1, ts: 0, dir: 'out', text: '' },
      { connection: 1, ts: 0, dir: 'out', binary: new Uint8Array(0) },
      { connection: 1, ts: 0, dir: 'out', binary: Uint8Array.from({ length: 20 }, (_, i) => i) },
      { connection: 1, ts: 0, dir: 'out', close: { code: 1001, reason: '' } },
      { connection: 1, ts: 0, dir: 'in', close: { code: 4000, reason: 'a "quoted" reason' } },
    ]
    expect(frames.map(formatFrame)).toMatchInlineSnapshot(`
      [
        """",
        "<binary 0 bytes>",
        "<binary 20 bytes: 000102030405060708090a0b0c0d0e0f…>",
        "close 1001",
        "close 4000 "a \\"quoted\\" reason"",
      ]
    `)
  })
})
