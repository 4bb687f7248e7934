import { spawn } from 'node:child_process'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import { WebSocket as UndiciWebSocket } from 'undici'
import WebSocket from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import { closeAllMocks, mockWs } from '../../src/index.js'
import { activeInterceptCount, interceptMatcher } from '../../src/server/intercept.js'
// @ts-expect-error a plain ESM module under test, without types
import { FEED_URL, firstMessage } from '../fixtures/intercept/feed-client.mjs'

const firstMessageOf = firstMessage as (cls?: unknown) => Promise<string>

afterEach(async () => {
  await closeAllMocks()
  expect(activeInterceptCount()).toBe(0)
})

async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

function connectError(url: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url)
    socket.on('error', (error) => resolve((error as NodeJS.ErrnoException).code ?? error.message))
    socket.on('open', () => resolve('open'))
  })
}

describe('ws.intercept(urlPattern)', () => {
  it('sends the ws client of a module with a hardcoded wss:// URL to the mock, unchanged', async () => {
    const ws = await mockWs().expect({ type: 'subscribe' }).send('{"type":"price","price":101}')
    ws.intercept('wss://api.example.com/feed')
    expect(await firstMessageOf()).toBe('{"type":"price","price":101}')
    const conn = ws.connections[0] ?? (await ws.nextConnection())
    expect(conn.originalUrl).toBe(FEED_URL)
    expect(conn.url).toBe('/ws?token=abc')
    expect(ws.failures).toEqual([])
  })

  it("sends undici's WebSocket (the global WebSocket's implementation) to the mock", async () => {
    const ws = await mockWs().expect({ type: 'subscribe' }).send('hello undici')
    ws.intercept(/^wss:\/\/api\.example\.com\//)
    expect(await firstMessageOf(UndiciWebSocket)).toBe('hello undici')
    expect((await ws.nextConnection()).originalUrl).toBe(FEED_URL)
  })

  it("sends Node's own global WebSocket (--experimental-websocket on Node 20) to the mock, in a process of its own", async () => {
    const script = `
      const { mockWs } = await import(${JSON.stringify(new URL('../../dist/index.js', import.meta.url).href)})
      const { firstMessage } = await import(${JSON.stringify(new URL('../fixtures/intercept/feed-client.mjs', import.meta.url).href)})
      const ws = await mockWs().send('hello global')
      ws.intercept('wss://api.example.com/*')
      const got = await firstMessage(globalThis.WebSocket)
      const conn = ws.connections[0] ?? await ws.nextConnection()
      console.log(JSON.stringify({ got, originalUrl: conn.originalUrl }))
      await ws.close()
    `
    const child = spawn(process.execPath, ['--experimental-websocket', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code, err).toBe(0)
    expect(JSON.parse(out.trim())).toEqual({ got: 'hello global', originalUrl: FEED_URL })
  })

  it('leaves URLs that do not match alone: they fail to connect as they would without the mock', async () => {
    const port = await closedPort()
    const before = await connectError(`ws://127.0.0.1:${port}/feed`)
    expect(before).toBe('ECONNREFUSED')
    const ws = await mockWs()
    ws.intercept('wss://api.example.com/*')
    expect(await connectError(`ws://127.0.0.1:${port}/feed`)).toBe(before)
    expect(ws.connections).toHaveLength(0)
  })

  it('is undone at close(): the request functions and the undici dispatcher are the originals again', async () => {
    const request = http.request
    const secureRequest = https.request
    const dispatcherKey = Symbol.for('undici.globalDispatcher.1')
    const ws = await mockWs()
    ws.intercept('wss://api.example.com/*')
    const dispatcher = (globalThis as Record<symbol, unknown>)[dispatcherKey]
    expect(http.request).not.toBe(request)
    await ws.close()
    expect(activeInterceptCount()).toBe(0)
    expect(http.request).toBe(request)
    expect(https.request).toBe(secureRequest)
    expect((globalThis as Record<symbol, unknown>)[dispatcherKey]).not.toBe(dispatcher)
  })

  it('routes to the newest matching mock while two intercept the same URL, then back to the older one', async () => {
    const older = await mockWs().send('older')
    older.intercept('wss://api.example.com/*')
    const newer = await mockWs().send('newer')
    const undo = newer.intercept('wss://api.example.com/feed')
    expect(await firstMessageOf()).toBe('newer')
    undo()
    expect(await firstMessageOf()).toBe('older')
  })

  it('refuses patterns that are not ws:// or wss:// URLs, and a closed mock', async () => {
    const ws = await mockWs()
    expect(() => ws.intercept('https://api.example.com/*')).toThrowErrorMatchingInlineSnapshot(
      `[MockWsError: Failed to intercept "https://api.example.com/*": the pattern must start with ws:// or wss:// (use * for any part, e.g. "wss://api.example.com/*").]`,
    )
    await ws.close()
    expect(() => ws.intercept('wss://x/*')).toThrow(/the mock at ws:\/\/127\.0\.0\.1:\d+\/ws is closed/)
  })
})

describe('interceptMatcher', () => {
  it('matches globs against the whole URL, ignoring the query unless the pattern has one', () => {
    expect(interceptMatcher('wss://api.example.com/feed')('wss://api.example.com/feed?token=1')).toBe(true)
    expect(interceptMatcher('wss://api.example.com/feed')('wss://api.example.com/feed/2')).toBe(false)
    expect(interceptMatcher('wss://*.example.com/*')('wss://eu.example.com/a/b')).toBe(true)
    expect(interceptMatcher('wss://api.example.com/feed?token=1')('wss://api.example.com/feed?token=2')).toBe(false)
    expect(interceptMatcher(/feed$/)('ws://x/feed')).toBe(true)
  })
})

describe('reconnect helpers', () => {
  it('dropAll() drops every client abruptly (1006) and nextConnection() then yields the reconnection', async () => {
    const ws = await mockWs()
    const codes: number[] = []
    let reopened: Promise<WebSocket> | undefined
    const client = new WebSocket(ws.url)
    // The client's reconnect logic: open again when dropped.
    client.on('close', (code) => {
      codes.push(code)
      const again = new WebSocket(ws.url)
      reopened = new Promise((resolve) => again.once('open', () => resolve(again)))
    })
    const first = await ws.nextConnection()
    ws.dropAll()
    const second = await ws.nextConnection()
    expect(second.id).toBe(first.id + 1)
    expect(codes).toEqual([1006])
    expect(ws.transcript.filter((f) => f.close)).toEqual([{ connection: first.id, ts: expect.any(Number), dir: 'out', close: { code: 1006, reason: '' } }])
    ;(await reopened)?.close()
  })

  it('conn.drop() is terminate(): no close frame', async () => {
    const ws = await mockWs()
    const client = new WebSocket(ws.url)
    const closed = new Promise<number>((resolve) => client.on('close', (code) => resolve(code)))
    ;(await ws.nextConnection()).drop()
    expect(await closed).toBe(1006)
  })
})
