import http from 'node:http'
import type net from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CLOSE_HANDSHAKE_TIMEOUT_MS, DEFAULT_MAX_PAYLOAD } from '../../src/constants.js'
import { closeAllMocks, liveMockCount, mockWs } from '../../src/index.js'
import { connectClient } from '../support/client.js'
import { clientFrame, expectServed, rawConnect, rawUpgrade, serverCloseCode, SERVED_WITHIN_MS } from './support.js'
import { watchLeaks } from '../support/leaks.js'

/** Slack on top of the close handshake timeout for a noisy machine. */
const CLOSE_SLACK_MS = 1500

afterEach(async () => {
  await closeAllMocks()
  expect(liveMockCount()).toBe(0)
})

/** Plain HTTP request with no keep-alive agent, so no client socket outlives the test. */
function httpGet(port: number, path: string, headers: http.OutgoingHttpHeaders = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
  })
}

describe('abusive clients against a running mock', () => {
  it('an abrupt TCP reset mid-replay ends only that connection', async () => {
    // Started in the test body: the runner's own timer for this test exists already and is not ours.
    const leaks = watchLeaks()
    const ws = await mockWs().replay(
      ['{"ts":0,"dir":"out","text":"one"}', '{"ts":20,"dir":"out","text":"two"}', '{"ts":60000,"dir":"out","text":"late"}'].join('\n'),
    )
    const victim = await connectClient(ws.url)
    expect(await victim.next()).toBe('one')
    expect(await victim.next()).toBe('two')
    // An RST instead of a FIN: the server sees ECONNRESET while the player sleeps towards "late".
    ;(victim.socket as unknown as { _socket: net.Socket })._socket.resetAndDestroy()
    expect((await victim.closed).code).toBe(1006)
    await vi.waitFor(() => expect(ws.metrics.connectionsActive).toBe(0))
    expect(ws.transcript.at(-1)).toMatchObject({ connection: 1, dir: 'in', close: { code: 1006 } })

    const fresh = await connectClient(ws.url)
    expect(await fresh.next(SERVED_WITHIN_MS)).toBe('one')
    await fresh.close()
    await ws.close()
    await leaks.expectNone()
  })

  it('a half-open client (upgraded, then silent) neither blocks others nor holds close() past the handshake timeout', async () => {
    const leaks = watchLeaks()
    const ws = await mockWs()
    const silent = await rawUpgrade(ws.port)
    expect(silent.head).toMatch(/^HTTP\/1\.1 101 /)
    await vi.waitFor(() => expect(ws.connections).toHaveLength(1))
    await expectServed(ws)

    const start = performance.now()
    await ws.close()
    // The silent client never answers the close frame, so it is terminated after the timeout.
    expect(performance.now() - start).toBeLessThan(CLOSE_HANDSHAKE_TIMEOUT_MS + CLOSE_SLACK_MS)
    await silent.ended
    expect(serverCloseCode(silent.received())).toBe(1001)
    await leaks.expectNone()
  })

  it('a client that stops reading while the server sends megabytes does not stall others or close()', async () => {
    const leaks = watchLeaks()
    const ws = await mockWs()
    const stalled = await rawUpgrade(ws.port)
    stalled.socket.pause()
    await vi.waitFor(() => expect(ws.connections).toHaveLength(1))
    const chunk = new Uint8Array(64 * 1024)
    for (let i = 0; i < 320; i++) ws.broadcast(chunk)
    await expectServed(ws)

    const start = performance.now()
    await ws.close()
    expect(performance.now() - start).toBeLessThan(CLOSE_HANDSHAKE_TIMEOUT_MS + CLOSE_SLACK_MS)
    stalled.destroy()
    await stalled.ended
    await leaks.expectNone()
  })

  it('a frame over maxPayload closes that client with 1009', async () => {
    const leaks = watchLeaks()
    const ws = await mockWs({ maxPayload: 1024 })
    const client = await connectClient(ws.url)
    client.send('x'.repeat(1025))
    expect((await client.closed).code).toBe(1009)
    expect(ws.received).toHaveLength(0)
    await vi.waitFor(() => expect(ws.metrics.errors).toBeGreaterThanOrEqual(1))
    await expectServed(ws, 'y'.repeat(1024))
    await ws.close()
    await leaks.expectNone()
  })

  it('the default maxPayload (16 MiB) is enforced too', async () => {
    const leaks = watchLeaks()
    const ws = await mockWs()
    const client = await connectClient(ws.url)
    client.send(Buffer.alloc(DEFAULT_MAX_PAYLOAD + 1))
    expect((await client.closed).code).toBe(1009)
    await expectServed(ws)
    await ws.close()
    await leaks.expectNone()
  })

  it.each([
    { name: 'invalid UTF-8 in a text frame', frame: () => clientFrame(0x1, Uint8Array.of(0x68, 0xff, 0xfe)), code: 1007 },
    { name: 'a truncated UTF-8 sequence', frame: () => clientFrame(0x1, Uint8Array.of(0xe2, 0x82)), code: 1007 },
    { name: 'a reserved opcode', frame: () => clientFrame(0x3, Uint8Array.of(1)), code: 1002 },
    { name: 'an unmasked client frame', frame: () => Buffer.from([0x81, 0x02, 0x68, 0x69]), code: 1002 },
    { name: 'RSV bits without an extension', frame: () => Buffer.from([0xc1, ...clientFrame(0x1, Uint8Array.of(0x68)).subarray(1)]), code: 1002 },
  ])('$name closes that client with $code', async ({ frame, code }) => {
    const leaks = watchLeaks()
    const ws = await mockWs()
    const raw = await rawUpgrade(ws.port)
    raw.socket.write(frame())
    await raw.until((d) => serverCloseCode(d) !== undefined)
    expect(serverCloseCode(raw.received())).toBe(code)
    raw.destroy()
    await raw.ended
    await expectServed(ws)
    await ws.close()
    await leaks.expectNone()
  })

  it('a burst of 10,000 messages is echoed in order, recorded, and others are still served', async () => {
    const leaks = watchLeaks()
    const ws = await mockWs()
    const flooder = await connectClient(ws.url)
    const count = 10_000
    const start = performance.now()
    for (let i = 0; i < count; i++) flooder.send(`m${i}`)
    // Relative to the burst itself: on a loaded machine echoing 10,000 messages can take longer than
    // SERVED_WITHIN_MS, but the fresh client must not wait for much more than the burst does.
    const served = expectServed(ws, 'still there?', Infinity)
    await vi.waitFor(() => expect(flooder.received).toHaveLength(count), { timeout: 10_000, interval: 20 })
    const burstMs = performance.now() - start
    const servedIn = await served
    expect(servedIn).toBeLessThan(burstMs + SERVED_WITHIN_MS)
    expect(flooder.received.every((m, i) => m === `m${i}`)).toBe(true)
    expect(ws.metrics).toMatchObject({ messagesIn: count + 1, messagesOut: count + 1, transcriptDropped: 0 })
    expect(ws.received.filter((f) => f.connection === 1)).toHaveLength(count)
    await flooder.close()
    await ws.close()
    await leaks.expectNone()
  })

  it('a handshake to a wrong path gets 404 and nothing else changes', async () => {
    const leaks = watchLeaks()
    const ws = await mockWs()
    const raw = await rawUpgrade(ws.port, '/not-here')
    expect(raw.head).toMatch(/^HTTP\/1\.1 404 /)
    await raw.ended
    expect(ws.metrics.connectionsTotal).toBe(0)
    await expectServed(ws)
    await ws.close()
    await leaks.expectNone()
  })

  it('a plain HTTP request to the port gets 426 Upgrade Required', async () => {
    const leaks = watchLeaks()
    const ws = await mockWs()
    const response = await httpGet(ws.port, '/ws')
    expect(response.status).toBe(426)
    expect(response.body).toMatchInlineSnapshot(`
      "This is a mockforge-ws WebSocket endpoint: connect a WebSocket client to /ws.
      "
    `)
    expect((await httpGet(ws.port, '/anything-else')).status).toBe(426)
    await expectServed(ws)
    await ws.close()
    await leaks.expectNone()
  })

  it('a handshake with a bad version or no key gets 400', async () => {
    const leaks = watchLeaks()
    const ws = await mockWs()
    const badVersion = await httpGet(ws.port, '/ws', { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '7' })
    expect(badVersion.status).toBe(400)
    const noKey = await httpGet(ws.port, '/ws', { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-version': '13' })
    expect(noKey.status).toBe(400)
    await expectServed(ws)
    await ws.close()
    await leaks.expectNone()
  })

  it('garbage bytes instead of an HTTP request get 400 and a closed socket', async () => {
    const leaks = watchLeaks()
    const ws = await mockWs()
    const raw = await rawConnect(ws.port)
    raw.socket.write(Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a, ...Buffer.from('\x16\x03\x01 not http at all\r\n\r\n')]))
    await raw.ended
    const answer = raw.received().toString('latin1')
    expect(answer === '' || answer.startsWith('HTTP/1.1 400 ')).toBe(true)
    await expectServed(ws)
    await ws.close()
    await leaks.expectNone()
  })

  it('a client that never finishes its request headers does not hold close()', async () => {
    const leaks = watchLeaks()
    const ws = await mockWs()
    const slow = await rawConnect(ws.port)
    slow.socket.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n')
    await expectServed(ws)
    const start = performance.now()
    await ws.close()
    expect(performance.now() - start).toBeLessThan(CLOSE_SLACK_MS)
    await slow.ended
    await leaks.expectNone()
  })
})
