import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { PROXY_HIGH_WATER_BYTES } from '../../src/proxy/config.js'
import { mockWs } from '../../src/server/builder.js'
import type { MockWs } from '../../src/server/mock-ws.js'
import { useTestScope } from '../support/scope.js'
import { connectRaw, encodeFrame, type RawClient } from './raw-client.js'
import { startUpstream, type Upstream, type UpstreamConnection } from './support.js'

const TEXT = 1
const BINARY = 2
const CONTINUATION = 0
const CLOSE = 8
const PING = 9
const PONG = 10

const scope = useTestScope({ tempDir: 'mockforge-ws-pass-through-' })

async function upstream(onConnection?: (u: UpstreamConnection) => void, maxPayload?: number): Promise<Upstream> {
  const up = await startUpstream({ ...(onConnection ? { onConnection } : {}), ...(maxPayload ? { maxPayload } : {}) })
  scope.defer(() => up.close())
  return up
}

async function raw(ws: MockWs): Promise<RawClient> {
  const c = await connectRaw(ws.url)
  scope.defer(async () => {
    c.socket.destroy()
    await c.closed
  })
  return c
}

const withoutTs = (entries: { ts?: number }[]): unknown[] => entries.map(({ ts: _ts, ...rest }) => rest)

describe('proxy pass-through (no transform, latency or drops): data frames pass as TCP bytes', () => {
  it("writes the upstream's frames to the client as they were sent (fragments stay fragments); the transcript has the whole message", async () => {
    const up = await upstream()
    const ws = await scope.mock(mockWs().proxy(up.url))
    const c = await raw(ws)
    const u = await up.next()
    u.socket.send('frag', { fin: false })
    u.socket.send('mented', { fin: true })
    u.socket.send(Buffer.from([1, 2, 3]), { binary: true })
    expect(await c.frames.take(1000, 'first fragment')).toEqual({ fin: false, opcode: TEXT, payload: Buffer.from('frag') })
    expect(await c.frames.take(1000, 'last fragment')).toEqual({ fin: true, opcode: CONTINUATION, payload: Buffer.from('mented') })
    expect(await c.frames.take(1000, 'binary')).toEqual({ fin: true, opcode: BINARY, payload: Buffer.from([1, 2, 3]) })
    expect(withoutTs(ws.toReplay())).toEqual([
      { dir: 'out', text: 'fragmented' },
      { dir: 'out', binary: Buffer.from([1, 2, 3]).toString('base64') },
    ])
    expect(ws.metrics).toMatchObject({ messagesOut: 2, bytesOut: 13 })
  })

  it.each(['a transform', 'latency'])('keeps the frame-level path with %s: the client gets the message re-framed as one frame', async (what) => {
    const up = await upstream()
    const builder = what === 'latency' ? mockWs().latency({ distribution: 'fixed', baseMs: 1 }).proxy(up.url) : mockWs().proxy(up.url, { transform: () => undefined })
    const ws = await scope.mock(builder)
    const c = await raw(ws)
    const u = await up.next()
    u.socket.send('frag', { fin: false })
    u.socket.send('mented', { fin: true })
    expect(await c.frames.take(1000, 'the message')).toEqual({ fin: true, opcode: TEXT, payload: Buffer.from('fragmented') })
  })

  it('passes client fragments with a ping between them: the upstream gets one message and the ping, the client one pong', async () => {
    const up = await upstream()
    const ws = await scope.mock(mockWs().proxy(up.url))
    const c = await raw(ws)
    const u = await up.next()
    const upstreamPing = new Promise<string>((resolve) => u.socket.once('ping', (d) => resolve(d.toString())))
    await c.write(Buffer.concat([encodeFrame(TEXT, 'hel', { fin: false }), encodeFrame(PING, 'p'), encodeFrame(CONTINUATION, 'lo')]))
    expect(await u.messages.take(1000, 'hello')).toEqual({ data: 'hello', isBinary: false })
    expect(await upstreamPing).toBe('p')
    // The mock answers the ping itself; the upstream's pong to it is not passed on.
    expect(await c.frames.take(1000, 'pong')).toEqual({ fin: true, opcode: PONG, payload: Buffer.from('p') })
    expect(await c.frames.take(1000, 'echo')).toEqual({ fin: true, opcode: TEXT, payload: Buffer.from('echo:hello') })
    expect(withoutTs(ws.toReplay())).toEqual([
      { dir: 'in', text: 'hello' },
      { dir: 'out', text: 'echo:hello' },
    ])
    expect(ws.connections[0]?.messages).toEqual(['hello'])
  })

  it("feeds the mock's own API: nextMessage(), a connection listener and the mock's sends between forwarded frames", async () => {
    const up = await upstream()
    const ws = await scope.mock(mockWs().proxy(up.url))
    const c = await scope.client(ws.url)
    const conn = await ws.nextConnection()
    const heard: unknown[] = []
    conn.onMessage((m) => heard.push(m.data))
    c.send('first')
    expect(await ws.nextMessage()).toBe('first')
    expect(heard).toEqual(['first'])
    expect(await c.next()).toBe('echo:first')

    // The mock's own frames go out between the upstream's, never inside one of them that is still being read.
    const u = await up.next()
    const big = (i: number): Buffer => Buffer.alloc(70 * 1024, i)
    let own = 0
    let stop = false
    const pump = (): void => {
      if (stop) return
      conn.send(`mock ${own++}`)
      setImmediate(pump)
    }
    pump()
    for (let i = 0; i < 20; i++) u.socket.send(big(i))
    const bigOnes: number[] = []
    const texts: string[] = []
    while (bigOnes.length < 20) {
      const frame = await c.nextFrame(10_000)
      if (frame.isBinary) bigOnes.push((frame.data as Buffer).equals(big(bigOnes.length)) ? bigOnes.length : -1)
      else texts.push(frame.data as string)
    }
    stop = true
    expect(bigOnes).toEqual(Array.from({ length: 20 }, (_, i) => i))
    expect(texts.length).toBeGreaterThan(0)
    expect(texts).toEqual(Array.from({ length: texts.length }, (_, i) => `mock ${i}`))
  })

  it('reassembles a frame whose header, mask and payload arrive in separate TCP reads (16- and 64-bit lengths)', async () => {
    const up = await upstream()
    const ws = await scope.mock(mockWs().proxy(up.url))
    const c = await raw(ws)
    const conn = await ws.nextConnection()
    const u = await up.next()
    const tcp = conn.request.socket
    c.socket.setNoDelay(true)
    const big = Buffer.alloc(70 * 1024, 7)
    for (const [frame, cuts] of [
      [encodeFrame(TEXT, 'x'.repeat(300)), [1, 3, 6, 100]],
      [encodeFrame(BINARY, big), [1, 2, 5, 11, 13, 40_000]],
    ] as const) {
      let from = 0
      for (const cut of [...cuts, frame.length]) {
        const before = tcp.bytesRead
        await c.write(frame.subarray(from, cut))
        // The mock has read this piece before the next is written: every piece is a read of its own.
        await vi.waitFor(() => expect(tcp.bytesRead).toBe(before + cut - from), { timeout: 5000 })
        from = cut
      }
    }
    expect(await u.messages.take(1000, 'text')).toEqual({ data: 'x'.repeat(300), isBinary: false })
    expect(await u.messages.take(1000, 'binary')).toEqual({ data: big, isBinary: true })
    expect((await c.frames.take(1000, 'text echo')).payload.toString()).toBe(`echo:${'x'.repeat(300)}`)
    expect((await c.frames.take(1000, 'binary echo')).payload.equals(big)).toBe(true)
    expect(ws.transcript.filter((f) => f.dir === 'in').map((f) => f.text ?? f.binary?.byteLength)).toEqual(['x'.repeat(300), big.length])
  })

  it('carries 70 KiB text and binary messages (64-bit lengths) both ways with a real ws client', async () => {
    const up = await upstream()
    const ws = await scope.mock(mockWs().proxy(up.url))
    const c = await scope.client(ws.url)
    const u = await up.next()
    const text = 'é'.repeat(35 * 1024)
    const bytes = Buffer.alloc(70 * 1024, 3)
    c.send(text)
    c.send(bytes)
    expect(await u.messages.take(1000, 'text')).toEqual({ data: text, isBinary: false })
    expect(await u.messages.take(1000, 'binary')).toEqual({ data: bytes, isBinary: true })
    expect(await c.nextFrame()).toEqual({ data: `echo:${text}`, isBinary: false })
    expect(await c.nextFrame()).toEqual({ data: bytes, isBinary: true })
    expect(ws.metrics).toMatchObject({ messagesIn: 2, messagesOut: 2, bytesIn: 2 * 70 * 1024, bytesOut: 2 * 70 * 1024 + 5 })
    // Both directions' large texts read back whole from the transcript (kept as received bytes until read).
    const shown = (dir: 'in' | 'out'): unknown[] => ws.transcript.filter((f) => f.dir === dir && f.close === undefined).map((f) => f.text ?? f.binary?.byteLength)
    expect(shown('in')).toEqual([text, bytes.length])
    expect(shown('out')).toEqual([`echo:${text}`, bytes.length])
  })

  it('passes close codes from either side after the data before them', async () => {
    const up = await upstream()
    const ws = await scope.mock(mockWs().proxy(up.url))
    const c = await raw(ws)
    const u = await up.next()
    await c.write(Buffer.concat([encodeFrame(TEXT, 'last'), encodeFrame(CLOSE, Buffer.concat([Buffer.from([0x0f, 0xa5]), Buffer.from('client leaves')]))]))
    expect((await u.messages.take(1000, 'last')).data).toBe('last')
    expect(await u.closed).toEqual({ code: 4005, reason: 'client leaves' })
    // The mock answers the close at once (the upstream's late echo is not sent after it), as on the frame-level path.
    const close = await c.frames.take(1000, 'close')
    expect([close.opcode, close.payload.readUInt16BE(0), close.payload.subarray(2).toString()]).toEqual([CLOSE, 4005, 'client leaves'])
    await c.closed

    const c2 = await raw(ws)
    const u2 = await up.next()
    u2.socket.send('bye soon')
    u2.socket.close(4006, 'upstream leaves')
    expect((await c2.frames.take(1000, 'text')).payload.toString()).toBe('bye soon')
    const close2 = await c2.frames.take(1000, 'close')
    expect([close2.opcode, close2.payload.readUInt16BE(0), close2.payload.subarray(2).toString()]).toEqual([CLOSE, 4006, 'upstream leaves'])
    expect(ws.toReplay({ connection: 2 }).at(-1)).toMatchObject({ dir: 'out', close: { code: 4006, reason: 'upstream leaves' } })
  })

  it('hands what it does not accept to ws: invalid UTF-8 from the client ends as on the frame-level path (1007 to the client)', async () => {
    const outcome = async (transform?: () => undefined): Promise<unknown> => {
      const up = await upstream()
      const ws = await scope.mock(mockWs().proxy(up.url, transform ? { transform } : {}))
      const c = await raw(ws)
      const u = await up.next()
      await c.write(Buffer.concat([encodeFrame(TEXT, 'ok'), encodeFrame(TEXT, Buffer.from([0x68, 0xff, 0xfe]))]))
      const close = await c.frames.take(1000, 'close')
      return {
        client: [close.opcode, close.payload.readUInt16BE(0)],
        upstream: (await u.closed).code,
        received: u.messages.drain(),
        recorded: withoutTs(ws.toReplay()),
        errors: ws.metrics.errors,
      }
    }
    const tapped = await outcome()
    expect(tapped).toMatchObject({ client: [CLOSE, 1007], received: [{ data: 'ok', isBinary: false }], recorded: [{ dir: 'in', text: 'ok' }] })
    expect(tapped).toEqual(await outcome(() => undefined))
  })

  it('an upstream that ends its TCP connection in the middle of a frame closes the client as on the frame-level path', async () => {
    const outcome = async (transform?: () => undefined): Promise<unknown> => {
      const up = await upstream()
      const ws = await scope.mock(mockWs().proxy(up.url, transform ? { transform } : {}))
      const c = await scope.client(ws.url)
      const u = await up.next()
      u.socket.send('whole')
      expect(await c.next()).toBe('whole')
      // Half a text frame ("hello" announced, "he" sent), then FIN.
      const tcp = (u.socket as unknown as { _socket: import('node:net').Socket })._socket
      tcp.end(Buffer.from([0x81, 0x05, 0x68, 0x65]))
      return { closed: await c.closed, recorded: withoutTs(ws.toReplay()), errors: ws.metrics.errors }
    }
    const tapped = await outcome()
    expect(tapped).toEqual({
      closed: { code: 1014, reason: 'upstream closed abnormally (1006, no close frame)' },
      recorded: [{ dir: 'out', text: 'whole' }, { dir: 'out', close: { code: 1014, reason: 'upstream closed abnormally (1006, no close frame)' } }],
      errors: 1,
    })
    expect(tapped).toEqual(await outcome(() => undefined))
  })

  it('a frame over maxPayload from the upstream closes the client with 1014, as on the frame-level path', async () => {
    const up = await upstream()
    const ws = await scope.mock(mockWs().proxy(up.url, { maxPayload: 1024 }))
    const c = await scope.client(ws.url)
    const u = await up.next()
    u.socket.send('small')
    u.socket.send('x'.repeat(2048))
    expect(await c.next()).toBe('small')
    const closed = await c.closed
    expect(closed.code).toBe(1014)
    expect(closed.reason).toMatch(/^upstream error: /)
    expect(ws.metrics.errors).toBe(1)
  })

  it('stops reading the upstream while the client does not read, and writes nothing through the ws sender', async () => {
    const up = await upstream()
    const ws = await scope.mock(mockWs().proxy(up.url))
    const c = await scope.client(ws.url)
    const conn = await ws.nextConnection()
    const u = await up.next()
    const sends = vi.spyOn(conn.socket, 'send')
    const tcp = conn.request.socket
    let maxQueued = 0
    const write = tcp.write.bind(tcp)
    vi.spyOn(tcp, 'write').mockImplementation(((...args: Parameters<typeof write>) => {
      const ok = write(...args)
      maxQueued = Math.max(maxQueued, tcp.writableLength)
      return ok
    }) as typeof write)
    const size = 512 * 1024
    const count = 64
    c.socket.pause()
    for (let i = 0; i < count; i++) u.socket.send(Buffer.alloc(size, i))
    await vi.waitFor(() => expect(conn.socket.bufferedAmount).toBeGreaterThan(PROXY_HIGH_WATER_BYTES), { timeout: 5000 })
    expect(u.socket.bufferedAmount).toBeGreaterThan((count * size) / 2)
    c.socket.resume()
    for (let i = 0; i < count; i++) expect(((await c.next(10_000)) as Buffer)[0]).toBe(i)
    expect(maxQueued).toBeGreaterThan(0)
    expect(maxQueued).toBeLessThanOrEqual(PROXY_HIGH_WATER_BYTES + 4 * size)
    expect(sends).not.toHaveBeenCalled()
  })

  it("records the same file as the frame-level path for the same traffic (timestamps aside)", async () => {
    const conversation = (u: UpstreamConnection): void => {
      u.socket.on('message', (data, isBinary) => {
        if (isBinary) u.socket.send(data, { binary: true })
        else if (data.toString() === 'bye') u.socket.close(4000, 'done')
        else {
          u.socket.send(`{"id":1,"echo":${JSON.stringify(data.toString())}}`)
          u.socket.send('pushed', { fin: false })
          u.socket.send(' in parts', { fin: true })
        }
      })
    }
    const files: string[] = []
    for (const transform of [undefined, () => undefined]) {
      const up = await upstream(conversation)
      const file = join(scope.dir, `${transform ? 'frames' : 'bytes'}.jsonl`)
      const ws = await mockWs().proxy(up.url, { ...(transform ? { transform } : {}), record: { file } })
      const c = await scope.client(ws.url)
      c.send('{"id":1,"op":"hello"}')
      expect(await c.next()).toBe('{"id":1,"echo":"{\\"id\\":1,\\"op\\":\\"hello\\"}"}')
      expect(await c.next()).toBe('pushed in parts')
      c.send(Buffer.from([9, 8, 7]))
      expect(await c.next()).toEqual(Buffer.from([9, 8, 7]))
      c.send('bye')
      expect((await c.closed).code).toBe(4000)
      await ws.close()
      files.push(await readFile(file, 'utf8'))
    }
    const [bytes, frames] = files.map((f) => withoutTs(f.trimEnd().split('\n').map((l) => JSON.parse(l) as { ts?: number })))
    expect(bytes).toHaveLength(7)
    expect(bytes).toEqual(frames)
  })

  it('closes the client with 1008 past the mock maxBufferedBytes, as Connection.send does', async () => {
    const up = await upstream()
    const ws = await scope.mock(mockWs({ maxBufferedBytes: 256 * 1024 }).proxy(up.url))
    const c = await scope.client(ws.url)
    const u = await up.next()
    c.socket.pause()
    for (let i = 0; i < 16; i++) u.socket.send(Buffer.alloc(512 * 1024, i))
    await vi.waitFor(() => expect(ws.transcript.at(-1)?.close?.code).toBe(1008), { timeout: 5000 })
    expect(ws.failures).toMatchObject([{ kind: 'send-failed', connection: 1 }])
    c.socket.resume()
    expect([1008, 1006]).toContain((await c.closed).code)
  })
})
