import { afterEach, describe, expect, it, vi } from 'vitest'
import { DEFAULT_MAX_TRANSCRIPT } from '../../src/constants.js'
import { closeAllMocks, mockWs } from '../../src/index.js'
import { connectClient } from '../support/client.js'
import { watchLeaks } from '../support/leaks.js'

afterEach(() => closeAllMocks())

const MAX = 100
const SENT = 500

async function flood(url: string, count: number): Promise<void> {
  const client = await connectClient(url)
  for (let i = 0; i < count; i++) client.send(`m${i}`)
  await vi.waitFor(() => expect(client.received).toHaveLength(count), { timeout: 10_000, interval: 10 })
  await client.close()
}

describe('maxTranscript: a long soak cannot exhaust memory', () => {
  it('the transcript keeps the newest frames, dropping the oldest in batches, and counts what it dropped', async () => {
    const leaks = watchLeaks()
    const ws = await mockWs({ maxTranscript: MAX })
    await flood(ws.url, SENT)
    await vi.waitFor(() => expect(ws.metrics.connectionsActive).toBe(0))
    const total = SENT * 2 + 1 // every message in and its echo out, plus the client's close
    // Trimming happens once the transcript is 10% over the limit, so its length stays within [MAX, MAX * 1.1].
    expect(ws.transcript.length).toBeGreaterThanOrEqual(MAX)
    expect(ws.transcript.length).toBeLessThanOrEqual(MAX + MAX / 10)
    expect(ws.metrics.transcriptDropped).toBe(total - ws.transcript.length)
    // Counters are not affected by the trimming.
    expect(ws.metrics).toMatchObject({ messagesIn: SENT, messagesOut: SENT })
    // What is kept is the end of the conversation, in order.
    expect(ws.transcript.at(-1)).toMatchObject({ dir: 'in', close: { code: 1000 } })
    expect(ws.sent.at(-1)?.text).toBe(`m${SENT - 1}`)
    const texts = ws.received.map((f) => Number(f.text?.slice(1)))
    expect(texts).toEqual(texts.toSorted((a, b) => a - b))
    // toReplay() exports what is left: the tail of the traffic.
    expect(ws.toReplay().at(-1)).toMatchObject({ dir: 'out', text: `m${SENT - 1}` })
    await ws.close()
    await leaks.expectNone()
  })

  it('nextMessage() keeps at most maxTranscript unread messages: the oldest are dropped', async () => {
    const ws = await mockWs({ maxTranscript: MAX })
    await flood(ws.url, SENT)
    expect(await ws.nextMessage()).toBe(`m${SENT - MAX}`)
    for (let i = SENT - MAX + 1; i < SENT; i++) expect(await ws.nextMessage()).toBe(`m${i}`)
    await expect(ws.nextMessage({ timeout: 20 })).rejects.toThrow(/Timed out after 20 ms/)
  })

  it("a connection's messages list is bounded the same way", async () => {
    const ws = await mockWs({ maxTranscript: MAX })
    const connected = ws.nextConnection()
    await flood(ws.url, SENT)
    const conn = await connected
    expect(conn.messages.length).toBeGreaterThanOrEqual(MAX)
    expect(conn.messages.length).toBeLessThanOrEqual(MAX + MAX / 10)
    expect(conn.messages.at(-1)).toBe(`m${SENT - 1}`)
  })

  it('defaults to DEFAULT_MAX_TRANSCRIPT frames', async () => {
    expect(DEFAULT_MAX_TRANSCRIPT).toBe(100_000)
    const ws = await mockWs()
    await flood(ws.url, SENT)
    await vi.waitFor(() => expect(ws.metrics.connectionsActive).toBe(0))
    expect(ws.transcript).toHaveLength(SENT * 2 + 1)
    expect(ws.metrics.transcriptDropped).toBe(0)
  })
})
