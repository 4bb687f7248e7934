import { afterEach, describe, expect, it, vi } from 'vitest'
import { CLOSE_POLICY_VIOLATION, MAX_INBOX_MESSAGES, SEND_HIGH_WATER_MARK } from '../../src/constants.js'
import { closeAllMocks, mockWs } from '../../src/index.js'
import { connectClient } from '../support/client.js'
import { expectServed, rawUpgrade } from './support.js'

afterEach(() => closeAllMocks())

/** 100,000 entries of 1 KB: about 100 MB if the player sent them all at once. */
const ENTRIES = 100_000
const TEXT = 'x'.repeat(1000)
const BIG_REPLAY = Array.from({ length: ENTRIES }, () => ({ ts: 0, dir: 'out' as const, text: TEXT }))

describe('a client that never reads (item 6)', () => {
  it('the replay pauses at the high-water mark instead of buffering the whole file; others are served', async () => {
    const ws = await mockWs().replay(BIG_REPLAY)
    const stalled = await rawUpgrade(ws.port)
    stalled.socket.pause()
    const conn = await ws.connected
    await vi.waitFor(() => expect(conn.bufferedAmount).toBeGreaterThan(SEND_HIGH_WATER_MARK), { timeout: 10_000, interval: 20 })
    const sentWhenFull = ws.metrics.messagesOut
    // Served while the stalled connection's replay is paused.
    await expectServed(await mockWs())
    const fresh = await connectClient(ws.url)
    expect(await fresh.next()).toBe(TEXT)
    await fresh.close()
    // Paused, not streaming: at most one more message past the mark, nowhere near the file.
    expect(conn.bufferedAmount).toBeLessThanOrEqual(SEND_HIGH_WATER_MARK + TEXT.length + 16)
    expect(ws.metrics.messagesOut - sentWhenFull).toBeLessThan(ENTRIES / 10)
    stalled.destroy()
  })

  it('direct sends past maxBufferedBytes close the connection with 1008 and a failure naming the limit', async () => {
    const limit = 2 * 1024 * 1024
    const ws = await mockWs({ maxBufferedBytes: limit })
    const stalled = await rawUpgrade(ws.port)
    stalled.socket.pause()
    const conn = await ws.connected
    const chunk = 'y'.repeat(256 * 1024)
    for (let i = 0; i < 64 && ws.failures.length === 0; i++) conn.send(chunk)
    expect(ws.failures).toHaveLength(1)
    expect(ws.failures[0]).toMatchObject({ kind: 'send-failed', connection: 1, expected: `at most ${limit} bytes waiting to be sent (maxBufferedBytes)` })
    expect(ws.failures[0]?.message).toMatch(new RegExp(`^connection #1: \\d+ bytes waiting to be sent, over maxBufferedBytes \\(${limit}\\); closed with 1008$`))
    expect(ws.transcript.at(-1)).toMatchObject({ dir: 'out', close: { code: CLOSE_POLICY_VIOLATION } })
    // The client never reads the close frame: the handshake timeout terminates it.
    await conn.closed
    stalled.destroy()
  })

  it(`client messages queued for a sleeping script are bounded (${MAX_INBOX_MESSAGES}), with a failure`, async () => {
    const ws = await mockWs().replay([
      { ts: 60_000, dir: 'out', text: 'much later' },
      { ts: 60_000, dir: 'in', text: 'anything' },
    ])
    const client = await connectClient(ws.url)
    const extra = 500
    for (let i = 0; i < MAX_INBOX_MESSAGES + extra; i++) client.send(`m${i}`)
    await vi.waitFor(() => expect(ws.metrics.messagesIn).toBe(MAX_INBOX_MESSAGES + extra), { timeout: 10_000, interval: 20 })
    expect(ws.failures).toHaveLength(1)
    expect(ws.failures[0]).toMatchObject({ kind: 'unexpected-message', expected: `at most ${MAX_INBOX_MESSAGES} client messages queued for the script` })
    await client.close()
  })
})
