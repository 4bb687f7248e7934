// The session keeps the transcript in columns and builds frame objects when `transcript` is read: what a test
// reads must be the same as when every frame was an object from the start (complete, in order, bounded, stable).
import { afterEach, describe, expect, it, vi } from 'vitest'
import { closeAllMocks, mockWs } from '../../src/index.js'
import { connectClient } from '../support/client.js'

afterEach(() => closeAllMocks())

describe('transcript built on read', () => {
  it('is one array, extended on each read, with the same frame objects, complete, in order and bounded', async () => {
    const ws = await mockWs({ maxTranscript: 20 })
    const client = await connectClient(ws.url)
    client.send('a')
    expect(await client.next()).toBe('a')
    const first = ws.transcript
    expect(first).toEqual([
      { connection: 1, ts: expect.any(Number), dir: 'in', text: 'a' },
      { connection: 1, ts: expect.any(Number), dir: 'out', text: 'a' },
    ])
    const frameA = first[0]
    client.send(Buffer.from([1, 2]))
    await client.next()
    const second = ws.transcript
    expect(second).toBe(first)
    expect(second[0]).toBe(frameA)
    expect(second.slice(2).map((f) => [f.dir, [...(f.binary ?? [])]])).toEqual([
      ['in', [1, 2]],
      ['out', [1, 2]],
    ])
    for (let i = 0; i < 30; i++) client.send(`m${i}`)
    await vi.waitFor(() => expect(client.received).toHaveLength(32))
    const frames = ws.transcript
    // Trimming drops the oldest in batches once 10 % over the limit, frames read earlier included.
    expect(frames.length).toBeGreaterThanOrEqual(20)
    expect(frames.length).toBeLessThanOrEqual(22)
    expect(frames.length + ws.metrics.transcriptDropped).toBe(64)
    const texts = frames.map((f) => `${f.dir}:${f.text}`)
    const expected = Array.from({ length: 30 }, (_, i) => [`in:m${i}`, `out:m${i}`]).flat()
    expect(texts).toEqual(expected.slice(expected.length - frames.length))
    await client.close()
    await vi.waitFor(() => expect(ws.transcript.at(-1)).toMatchObject({ connection: 1, dir: 'in', close: { code: 1000 } }))
  })

  it('gives an echo the time of the message it answers; a later send gets its own time', async () => {
    const ws = await mockWs()
    const client = await connectClient(ws.url)
    client.send('ping')
    await client.next()
    const [received, echoed] = ws.transcript
    expect(echoed?.ts).toBe(received?.ts)
    const before = (await ws.connected).elapsed()
    ws.send('later')
    await client.next()
    expect(ws.transcript.at(-1)).toMatchObject({ dir: 'out', text: 'later' })
    expect(ws.transcript.at(-1)!.ts).toBeGreaterThanOrEqual(before)
    await client.close()
  })
})
