import { performance } from 'node:perf_hooks'
import { describe, expect, test, vi } from 'vitest'
import { mockWs } from '../../src/server/builder.js'
import { ScenarioFailureError } from '../../src/server/mock-ws.js'
import { MockWsError, ReplayParseError } from '../../src/errors.js'
import '../../src/integrations/vitest.js'
import { Scenario } from '../../src/scenario/scenario.js'
import { toMswHandler } from '../../src/integrations/msw.js'
import { connectClient } from '../support/client.js'
import { connectGlobal } from './support/global-client.js'
import { useMswServer } from './support/msw-node.js'

const msw = useMswServer()
let n = 0
/** A fresh URL per test so handlers of earlier tests never match. */
const nextUrl = (): string => `wss://msw-${++n}.example/ws`
/** Slack for timing bounds on a busy 2-core machine. */
const SLACK_MS = 150

async function install(...args: Parameters<typeof toMswHandler>): Promise<Awaited<ReturnType<typeof toMswHandler>>> {
  const mock = await toMswHandler(...args)
  msw.server.use(mock.handler)
  return mock
}

describe('toMswHandler in Node (setupServer + global WebSocket)', () => {
  test('echoes without a script and keeps the MockWs bookkeeping', async () => {
    const url = nextUrl()
    const chat = await install(url)
    const client = await connectGlobal(`${url}?room=1`, ['chat.v1', 'chat.v2'])
    const conn = await chat.nextConnection()
    expect(conn.id).toBe(1)
    expect(conn.url).toBe('/ws?room=1')
    expect(conn.href).toBe(`${url}?room=1`)
    expect(conn.protocol).toBe('chat.v1')
    expect(client.socket.protocol).toBe('chat.v1')
    expect(await chat.connected).toBe(conn)
    client.send('hello')
    expect(await client.next()).toBe('hello')
    expect(await chat.nextMessage()).toBe('hello')
    expect(chat.connections).toEqual([conn])
    expect(chat.transcript.map((f) => [f.dir, f.text])).toEqual([
      ['in', 'hello'],
      ['out', 'hello'],
    ])
    expect(chat.metrics).toMatchObject({ connectionsActive: 1, connectionsTotal: 1, messagesIn: 1, messagesOut: 1, bytesIn: 5, bytesOut: 5 })
    await client.close(4000, 'done')
    expect(await conn.closed).toEqual({ code: 4000, reason: 'done' })
    expect(chat.connections).toEqual([])
    expect(chat.transcript.at(-1)).toMatchObject({ dir: 'in', close: { code: 4000, reason: 'done' } })
  })

  test('plays a scenario: waitFor skips noise, expect matches a JSON subset, close reaches the client', async () => {
    const url = nextUrl()
    const chat = await install(
      url,
      new Scenario().waitFor(/^READY$/).send('{"type":"welcome","n":{{seq}}}').expect({ type: 'subscribe' }).send('{"type":"subscribed"}').close(1000, 'bye'),
    )
    const client = await connectGlobal(url)
    client.send('noise')
    client.send('READY')
    expect(JSON.parse(await client.next())).toEqual({ type: 'welcome', n: 1 })
    client.send('{"type":"subscribe","topic":"a"}')
    expect(await client.next()).toBe('{"type":"subscribed"}')
    expect(await client.closed).toEqual({ code: 1000, reason: 'bye', wasClean: true })
    expect(chat).toHaveReceivedMessages(['READY', { type: 'subscribe' }])
    expect(chat).toHaveSentMessage({ type: 'subscribed' })
    expect(chat).toHaveNoFailures()
    expect(chat).toHaveConnections(0)
    expect(chat.transcript.at(-1)).toMatchObject({ dir: 'out', close: { code: 1000, reason: 'bye' } })
  })

  test('plays a replay file, JSON Lines text and entries; every connection gets its own run', async () => {
    const entries = [
      { ts: 0, dir: 'out' as const, text: 'n={{seq}}' },
      { ts: 0, dir: 'out' as const, text: 'n={{seq}}' },
    ]
    for (const source of [entries, entries.map((e) => JSON.stringify(e)).join('\n')]) {
      const url = nextUrl()
      await install(url, source)
      for (let i = 0; i < 2; i++) {
        const client = await connectGlobal(url)
        expect([await client.next(), await client.next()]).toEqual(['n=1', 'n=2'])
        await client.close()
      }
    }
    const url = nextUrl()
    const chat = await install(url, 'test/fixtures/mockforge-example.jsonl', { seed: 7 })
    const client = await connectGlobal(url)
    client.send('CLIENT_READY')
    expect(await client.next()).toMatch(/^HELLO [0-9a-f-]{36}$/)
    expect(JSON.parse(await client.next())).toMatchObject({ type: 'welcome' })
    client.send('ACK')
    expect(JSON.parse(await client.next())).toEqual({ data: expect.any(Number) })
    expect(chat).toHaveNoFailures()
  })

  test('the same seed gives the same frames as a real-socket mockWs(), connection by connection', async () => {
    const script = new Scenario().send('{{uuid}} {{randInt 1 1000000}} {{randFloat 0 1}}').send('{{uuid}}')
    const real = await mockWs({ seed: 42 }).scenario(script)
    const viaSocket: string[][] = []
    try {
      for (let i = 0; i < 2; i++) {
        const wsClient = await connectClient(real.url)
        viaSocket.push([String(await wsClient.next()), String(await wsClient.next())])
        await wsClient.close()
      }
    } finally {
      await real.close()
    }
    const url = nextUrl()
    await install(url, script, { seed: 42 })
    const viaMsw: string[][] = []
    for (let i = 0; i < 2; i++) {
      const client = await connectGlobal(url)
      viaMsw.push([await client.next(), await client.next()])
      await client.close()
    }
    expect(viaMsw).toEqual(viaSocket)
    expect(new Set(viaMsw.flat()).size).toBe(4)
  })

  test('keeps the gaps of the script, divided by speed', async () => {
    // Measured from before the connection starts: the gap runs from the connection's open, as on a real socket.
    for (const [speed, expected] of [
      [1, 300],
      [3, 100],
    ] as const) {
      const url = nextUrl()
      await install(url, new Scenario().send('a').delay(300).send('b'), { speed })
      const start = performance.now()
      const client = await connectGlobal(url)
      expect(await client.next()).toBe('a')
      expect(await client.next()).toBe('b')
      const gap = performance.now() - start
      expect(gap).toBeGreaterThanOrEqual(expected - 2)
      expect(gap).toBeLessThan(expected + SLACK_MS)
      await client.close()
    }
  })

  test('records failures: an unexpected message and a wait that times out', async () => {
    const url = nextUrl()
    const chat = await install(url, new Scenario().expect('hello').send('hi').expect('more', { timeoutMs: 100 }))
    const client = await connectGlobal(url)
    client.send('nope')
    client.send('hello')
    expect(await client.next()).toBe('hi')
    await vi.waitFor(() => expect(chat.failures.map((f) => f.kind)).toEqual(['unexpected-message', 'wait-timeout']))
    expect(chat.failures[0]).toMatchObject({ connection: 1, step: 1, expected: 'expect("hello")', actual: '"nope"' })
    expect(chat).not.toHaveNoFailures()
  })

  test('strict mode: close() rejects with the same report as a real-socket mock', async () => {
    const url = nextUrl()
    const chat = await install(url, new Scenario().expect({ type: 'hello' }).send('welcome'), { strict: true })
    const client = await connectGlobal(url)
    client.send('{"type":"goodbye"}')
    await vi.waitFor(() => expect(chat.failures).toHaveLength(1))
    const error = await chat.close().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(MockWsError)
    expect(error).toMatchObject({ name: 'ScenarioFailureError', code: 'WSM_STRICT_FAILURES', failures: chat.failures })
    expect((error as Error).message).toBe(new ScenarioFailureError(chat.failures, chat.transcript).message)
    expect(await client.closed).toMatchObject({ code: 1001, reason: 'mock server closed' })
  })

  test('rejects a bad script before returning a handler, and a bad URL', async () => {
    const error = await toMswHandler(nextUrl(), '{"ts":0,"dir":"sideways","text":"x"}\n{"ts":-1,"dir":"out","text":"{{nope}}"}').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ReplayParseError)
    expect((error as Error).message).toMatchInlineSnapshot(`
      "Failed to load replay <inline>: 3 problems found.
        <inline>:1:15: "dir" must be "in" or "out", got the string "sideways"
        <inline>:2:7: "ts" must be >= 0, got -1
        <inline>:2:30: unknown token {{nope}}. Known tokens: {{uuid}}, {{now}}, {{now+30s}} / {{now-1d}} (s, m, h, d), {{randInt MIN MAX}}, {{randFloat MIN MAX}}, {{seq}}, {{lastMessage}}, {{match.NAME}}, {{faker.MODULE.METHOD}}; write \\{{ for a literal {{."
    `)
    await expect(toMswHandler('' as string)).rejects.toThrowErrorMatchingInlineSnapshot(`[MockWsError: Failed to create the MSW handler: the URL must be a non-empty string or a RegExp, got an empty string. Pass the URL your code opens, such as "wss://chat.example/ws".]`)
  })

  test('binary both ways: every client payload type arrives in order; frames follow the client binaryType', async () => {
    const url = nextUrl()
    const chat = await install(url, new Scenario().send(new Uint8Array([1, 2, 3])))
    const asBlob = await connectGlobal(url)
    const blob = await asBlob.nextData()
    expect(blob).toBeInstanceOf(Blob)
    expect([...new Uint8Array(await (blob as Blob).arrayBuffer())]).toEqual([1, 2, 3])
    const asBuffer = await connectGlobal(url, undefined, 'arraybuffer')
    const buffer = await asBuffer.nextData()
    expect(buffer).toBeInstanceOf(ArrayBuffer)
    expect([...new Uint8Array(buffer as ArrayBuffer)]).toEqual([1, 2, 3])

    asBuffer.send(new Blob([new Uint8Array([9, 9])]))
    asBuffer.send('after the blob')
    asBuffer.send(new Uint16Array([0x0102]))
    asBuffer.send(new Uint8Array([7]).buffer)
    const got = [await chat.nextMessage(), await chat.nextMessage(), await chat.nextMessage(), await chat.nextMessage()]
    expect(got.map((m) => (typeof m === 'string' ? m : [...m]))).toEqual([[9, 9], 'after the blob', [...new Uint8Array(new Uint16Array([0x0102]).buffer)], [7]])
    expect(chat.received.filter((f) => f.connection === 2).map((f) => f.binary ? 'bin' : f.text)).toEqual(['bin', 'after the blob', 'bin', 'bin'])
    expect(chat.toReplay({ connection: 1 })).toEqual([{ ts: expect.any(Number), dir: 'out', binary: 'AQID' }])
  })

  test('close(): clients see 1001, waits end, later clients are closed at once', async () => {
    const url = nextUrl()
    const chat = await install(url, new Scenario().waitFor('never', { timeoutMs: 60_000 }))
    const a = await connectGlobal(url)
    const b = await connectGlobal(url)
    await vi.waitFor(() => expect(chat).toHaveConnections(2))
    const pending = chat.nextMessage({ timeout: 60_000 })
    await chat.close()
    expect(await a.closed).toMatchObject({ code: 1001, reason: 'mock server closed' })
    expect(await b.closed).toMatchObject({ code: 1001 })
    await expect(pending).rejects.toThrow('the mock server was closed')
    expect(chat.failures).toEqual([])
    await expect(connectGlobal(url)).rejects.toThrow('closed (1001) before opening')
    expect(chat.metrics).toMatchObject({ connectionsActive: 0, connectionsTotal: 2 })
  })

  test('a recording replays: toReplay() of one run plays the same frames through a new handler', async () => {
    const url = nextUrl()
    const chat = await install(url, new Scenario().send('one').expect('ack').delay(50).send('two').close(4001, 'end'))
    const client = await connectGlobal(url)
    expect(await client.next()).toBe('one')
    client.send('ack')
    expect(await client.next()).toBe('two')
    await client.closed
    const recording = chat.toReplay()
    expect(recording.map((e) => [e.dir, e.text ?? e.close])).toEqual([
      ['out', 'one'],
      ['in', 'ack'],
      ['out', 'two'],
      ['out', { code: 4001, reason: 'end' }],
    ])
    const againUrl = nextUrl()
    const again = await install(againUrl, chat.toJSONL())
    const second = await connectGlobal(againUrl)
    expect(await second.next()).toBe('one')
    second.send('ack')
    expect(await second.next()).toBe('two')
    expect(await second.closed).toMatchObject({ code: 4001, reason: 'end' })
    expect(again).toHaveNoFailures()
  })

  test('a RegExp URL matches every URL it fits; terminate() gives the client 1006', async () => {
    const chat = await install(/^wss:\/\/rooms-\d+\.example\/ws$/)
    expect(chat.url).toBe('/^wss:\\/\\/rooms-\\d+\\.example\\/ws$/')
    expect(chat.path).toBe('*')
    const a = await connectGlobal('wss://rooms-1.example/ws')
    const b = await connectGlobal('wss://rooms-22.example/ws')
    expect((await chat.nextConnection()).href).toBe('wss://rooms-1.example/ws')
    const second = await chat.nextConnection()
    expect(second.href).toBe('wss://rooms-22.example/ws')
    second.terminate()
    expect(await b.closed).toEqual({ code: 1006, reason: '', wasClean: true })
    expect(chat.transcript.at(-1)).toMatchObject({ connection: 2, dir: 'out', close: { code: 1006, reason: '' } })
    a.send('still here')
    expect(await a.next()).toBe('still here')
  })

  test("clock: 'fake' runs under fake timers: a 10 s delay plays when the clock is advanced", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] })
    try {
      const url = nextUrl()
      await install(url, new Scenario().send('now').delay(10_000).send('later'), { clock: 'fake' })
      const client = await connectGlobal(url)
      expect(await client.next()).toBe('now')
      const later = client.next()
      await vi.advanceTimersByTimeAsync(9_999)
      const early = await Promise.race([later, Promise.resolve('not yet')])
      expect(early).toBe('not yet')
      await vi.advanceTimersByTimeAsync(1)
      expect(await later).toBe('later')
      await client.close()
    } finally {
      vi.useRealTimers()
    }
  })

  test("clock: 'real' (default) ignores fake timers: a delay plays on real time, {{now}} is real, close() completes", async () => {
    const realDateNow = Date.now
    vi.useFakeTimers()
    vi.setSystemTime(Date.UTC(2030, 0, 1))
    try {
      const url = nextUrl()
      const chat = await install(url, new Scenario().send('now').delay(100).send('{{now}}'))
      const client = await connectGlobal(url)
      expect(await client.next()).toBe('now')
      const now = Date.parse(String(await client.next()))
      expect(Math.abs(now - realDateNow())).toBeLessThan(60_000)
      await chat.close()
      await client.closed
    } finally {
      vi.useRealTimers()
    }
  })
})
