// Frames of a replay that are due together go out corked, in writes of about SEND_BATCH_BYTES instead of one
// system call each (real sockets, a real `ws` client): order, transcript, waits, drops and the send limit unchanged.
import net from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { SEND_BATCH_BYTES } from '../../src/constants.js'
import { closeAllMocks, mockWs, type ReplayEntry } from '../../src/index.js'
import { connectClient, type TestClient } from '../support/client.js'

afterEach(async () => {
  vi.restoreAllMocks()
  await closeAllMocks()
})

const FRAMES = 500
const TEXTS = Array.from({ length: FRAMES }, (_, i) => `tick ${i}`)
const TICKS: ReplayEntry[] = TEXTS.map((text) => ({ ts: 0, dir: 'out', text }))

type Writev = (this: net.Socket, chunks: { chunk: unknown }[], cb: (error?: Error | null) => void) => void

/** Chunks per `_writev` call (one system call) of the sockets whose local port is `port`: the mock's side. */
function countWrites(port: number): number[] {
  const writes: number[] = []
  const proto = net.Socket.prototype as unknown as { _writev: Writev }
  const original = proto._writev
  vi.spyOn(proto, '_writev').mockImplementation(function (this: net.Socket, chunks, cb) {
    if (this.localPort === port) writes.push(chunks.length)
    original.call(this, chunks, cb)
  })
  return writes
}

async function receiveAll(client: TestClient, count: number): Promise<(string | Buffer)[]> {
  await vi.waitFor(() => expect(client.received.length).toBe(count), { timeout: 10_000, interval: 10 })
  return client.received
}

describe('replay player: due frames written in batches', () => {
  it('writes a run of due frames in a few system calls, in order, with every frame in the transcript', async () => {
    const entries: ReplayEntry[] = [...TICKS]
    entries.splice(100, 0, { ts: 0, dir: 'out', binary: Buffer.from([1, 2, 3]).toString('base64') })
    const ws = await mockWs().replay(entries)
    const writes = countWrites(ws.port)
    const client = await connectClient(ws.url)
    const received = await receiveAll(client, FRAMES + 1)
    expect(received.filter((d) => typeof d === 'string')).toEqual(TEXTS)
    expect([...(received[100] as Buffer)]).toEqual([1, 2, 3])
    const sent = ws.transcript.filter((f) => f.dir === 'out')
    expect(sent.map((f) => f.text ?? 'binary')).toEqual([...TEXTS.slice(0, 100), 'binary', ...TEXTS.slice(100)])
    // A `ws` frame is two chunks (header, payload); one write per frame would be FRAMES writes of 2 chunks.
    const frameBytes = 2 + (TEXTS.at(-1) as string).length
    expect(Math.max(...writes)).toBeGreaterThan(2)
    expect(writes.length).toBeLessThanOrEqual(Math.ceil((FRAMES * frameBytes) / SEND_BATCH_BYTES) + 2)
    await client.close()
  })

  it('sends what is due before waiting for a later ts or a client message', async () => {
    const ws = await mockWs().replay([
      { ts: 0, dir: 'out', text: 'now' },
      { ts: 0, dir: 'in', text: 'go' },
      { ts: 0, dir: 'out', text: 'after go' },
      { ts: 60_000, dir: 'out', text: 'a minute later' },
    ])
    const client = await connectClient(ws.url)
    expect(await client.next()).toBe('now')
    client.send('go')
    expect(await client.next()).toBe('after go')
    expect(ws.failures).toEqual([])
    await client.close()
  })

  it('a drop after a run of frames comes after every frame of the run', async () => {
    const ws = await mockWs().replay([...TICKS, { ts: 0, dir: 'out', close: { code: 1006, reason: '' } }])
    const client = await connectClient(ws.url)
    expect((await client.closed).code).toBe(1006)
    expect(client.received).toEqual(TEXTS)
  })

  it('a send limit below a batch (maxBufferedBytes) is not tripped by a client that reads', async () => {
    const text = 'z'.repeat(100)
    const ws = await mockWs({ maxBufferedBytes: SEND_BATCH_BYTES / 4 }).replay(Array.from({ length: 100 }, () => ({ ts: 0, dir: 'out' as const, text })))
    const client = await connectClient(ws.url)
    expect(await receiveAll(client, 100)).toEqual(Array.from({ length: 100 }, () => text))
    expect(ws.failures).toEqual([])
    await client.close()
  })
})
