// Text frames stay the UTF-8 bytes they arrived in until something reads them (docs/performance.md, "Echo at
// 4 KiB"): whatever reads them (transcript, messages, nextMessage, templates, waits, listeners) must see the
// same strings as when every frame was decoded on arrival, and an echo must send back exactly the bytes it got.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { closeAllMocks, mockWs } from '../../src/index.js'
import { ReceivedText, keepText } from '../../src/session/bytes.js'
import { echoHandler } from '../../src/session/play.js'
import { Session } from '../../src/session/session.js'
import type { Transport, TransportEvents } from '../../src/session/transport.js'
import { clientFrame, rawUpgrade } from '../reliability/support.js'
import { connectClient } from '../support/client.js'

afterEach(() => closeAllMocks())

/** 4 KiB and more of text with 2-, 3- and 4-byte UTF-8 sequences among ASCII. */
const BIG = `{"pad":"${'abc é € 😀 '.repeat(300)}"}`
const BIG_BYTES = Buffer.from(BIG, 'utf8')

/** The payload of the first server frame after the handshake response (unmasked, as a server sends it). */
function firstServerFrame(data: Buffer): { opcode: number; payload: Buffer } | undefined {
  let at = data.indexOf('\r\n\r\n') + 4
  if (at + 2 > data.length) return undefined
  const opcode = (data[at] as number) & 0x0f
  let length = (data[at + 1] as number) & 0x7f
  at += 2
  if (length === 126) {
    length = data.readUInt16BE(at)
    at += 2
  }
  if (at + length > data.length) return undefined
  return { opcode, payload: data.subarray(at, at + length) }
}

describe('text kept as received bytes', () => {
  it('a 4 KiB text split across reads and frames (inside multi-byte characters) echoes byte-identical, and every reader sees the string', async () => {
    expect(BIG_BYTES.byteLength).toBeGreaterThan(4096)
    const ws = await mockWs()
    const raw = await rawUpgrade(ws.port)
    raw.socket.setNoDelay(true)
    // One message in two frames, cut inside the first '€' (3 bytes); the second frame is written in two parts, cut inside a '😀'.
    const cut = BIG_BYTES.indexOf(Buffer.from('€')) + 1
    raw.socket.write(clientFrame(0x1, BIG_BYTES.subarray(0, cut), false))
    const second = clientFrame(0x0, BIG_BYTES.subarray(cut))
    const split = second.length - 7
    raw.socket.write(second.subarray(0, split))
    raw.socket.write(second.subarray(split))
    const echoed = firstServerFrame(await raw.until((d) => firstServerFrame(d) !== undefined))
    expect(echoed?.opcode).toBe(0x1)
    expect(echoed?.payload.equals(BIG_BYTES)).toBe(true)

    expect(await ws.nextMessage()).toBe(BIG)
    const frames = ws.transcript
    expect(frames.map((f) => [f.dir, f.text])).toEqual([
      ['in', BIG],
      ['out', BIG],
    ])
    // Plain data: serialised, spread and cloned frames carry the string.
    expect(JSON.parse(JSON.stringify(frames))).toEqual(frames.map((f) => ({ ...f })))
    expect(structuredClone(frames)).toEqual(frames)
    const conn = ws.connections[0]
    expect(conn?.messages).toEqual([BIG])
    expect(typeof conn?.messages[0]).toBe('string')
    expect(ws.metrics.bytesIn).toBe(BIG_BYTES.byteLength)
    expect(ws.metrics.bytesOut).toBe(BIG_BYTES.byteLength)
    raw.destroy()
    await raw.ended
  })

  it('many large texts stay bounded, in order, and read as strings from messages, nextMessage and the transcript', async () => {
    const ws = await mockWs({ maxTranscript: 20 })
    const client = await connectClient(ws.url)
    const texts = Array.from({ length: 40 }, (_, i) => `${i}:${BIG}`)
    for (const text of texts) client.send(text)
    await vi.waitFor(() => expect(client.received).toHaveLength(40))
    expect(client.received).toEqual(texts)
    const conn = ws.connections[0]
    const messages = conn?.messages ?? []
    expect(messages.length).toBeGreaterThanOrEqual(20)
    expect(messages.length).toBeLessThanOrEqual(22)
    expect(messages).toEqual(texts.slice(texts.length - messages.length))
    const taken = await ws.nextMessage()
    expect(texts.indexOf(taken as string)).toBeGreaterThan(0)
    const frames = ws.transcript
    expect(frames.every((f) => typeof f.text === 'string' && f.text.endsWith(BIG))).toBe(true)
    await client.close()
  })

  it('{{lastMessage}}, waitFor(regex) and on-message listeners read a large text', async () => {
    const ws = await mockWs().waitFor(/^big:/).send('{{lastMessage}}')
    const client = await connectClient(ws.url)
    const conn = await ws.nextConnection()
    const seen: unknown[] = []
    conn.onMessage((m) => seen.push({ ...m }))
    client.send(`big:${BIG}`)
    expect(await client.next()).toBe(`big:${BIG}`)
    expect(seen).toEqual([{ connection: 1, data: `big:${BIG}`, text: `big:${BIG}`, isBinary: false, ts: expect.any(Number) }])
    await client.close()
  })

  it('a transport that hands a text frame as UTF-8 bytes: a text message, and the echo sends the bytes back as text', async () => {
    // Fails before the fix: bytes were a binary frame (isBinary true, base64 text), echoed as binary.
    const sent: { data: string | Uint8Array; kind: 'send' | 'sendText' }[] = []
    let events: TransportEvents | undefined
    const transport: Transport = {
      url: '/',
      headers: {},
      protocol: '',
      isOpen: true,
      bufferedAmount: 0,
      start: (e) => (events = e),
      send: (data) => void sent.push({ data, kind: 'send' }),
      sendText: (utf8) => void sent.push({ data: utf8, kind: 'sendText' }),
      close: () => events?.close(1000, ''),
      terminate: () => events?.close(1006, ''),
    }
    const session = new Session({ handler: echoHandler })
    session.accept(transport)
    events?.message(BIG_BYTES, false, BIG_BYTES.byteLength)
    events?.message('small', false)
    expect(sent).toEqual([
      { data: BIG_BYTES, kind: 'sendText' },
      { data: 'small', kind: 'send' },
    ])
    expect(sent[0]?.data).toBe(BIG_BYTES)
    const first = await session.messageStream.take({ timeoutMs: 0, describe: 'a message' })
    expect(first).toMatchObject({ data: BIG, text: BIG, isBinary: false })
    expect(session.transcript.map((f) => f.text)).toEqual([BIG, BIG, 'small', 'small'])
    expect(session.counters.bytesOut).toBe(BIG_BYTES.byteLength + 5)
    await session.close()
  })
})

describe('keepText', () => {
  it('keeps large text as bytes, decodes small text and small views of large buffers at once', () => {
    expect(keepText(Buffer.from('hi'))).toBe('hi')
    const kept = keepText(BIG_BYTES)
    expect(kept).toBeInstanceOf(ReceivedText)
    const lazy = kept as ReceivedText
    expect(lazy.bytes).toBe(BIG_BYTES)
    expect(lazy.byteLength).toBe(BIG_BYTES.byteLength)
    expect(lazy.text).toBe(BIG)
    // Read once: only the string is kept.
    expect(lazy.bytes).toBeUndefined()
    expect(lazy.text).toBe(BIG)
    // A 2 KiB view of a 64 KiB read buffer would pin 32 times its size: decoded now.
    const chunk = Buffer.alloc(64 * 1024, 0x61)
    expect(typeof keepText(chunk.subarray(100, 100 + 2048))).toBe('string')
    expect(keepText(chunk.subarray(0, 4096))).toBeInstanceOf(ReceivedText)
  })
})
