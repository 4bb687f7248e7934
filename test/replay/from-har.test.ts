import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from '@playwright/test'
import { WebSocketServer } from 'ws'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mockWs } from '../../src/server/builder.js'
import { fromHar } from '../../src/replay/from-har.js'
import { ReplayParseError } from '../../src/errors.js'
import { runCli } from '../support/cli.js'
import { connectClient } from '../support/client.js'

const FIXTURE = 'test/fixtures/devtools-chat.har'

let dir: string
const cleanups: (() => Promise<void>)[] = []

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mockforge-ws-har-'))
})

afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
  await rm(dir, { recursive: true, force: true })
})

describe('fromHar: a Chromium DevTools HAR (fixed fixture)', () => {
  it('turns the first WebSocket into timed entries: JSON matchers, captures, literal server text, binary', () => {
    expect(fromHar(FIXTURE)).toEqual([
      { ts: 12, dir: 'out', text: '{"type":"welcome","server":"chat-1","template":"Hello \\{{name}}"}' },
      { ts: 50, dir: 'in', json: { type: 'join', room: 'lobby' }, capture: { clientId: '$.clientId' } },
      { ts: 61, dir: 'out', text: '{"type":"joined","clientId":"{{match.clientId}}","members":3}' },
      { ts: 300, dir: 'in', binary: 'AQID' },
      { ts: 302, dir: 'out', binary: 'AwIB' },
      { ts: 500, dir: 'in', text: 'ping' },
      { ts: 501, dir: 'out', text: 'pong' },
    ])
  })

  it('picks a WebSocket by URL pattern and by index, with record options applied', () => {
    expect(fromHar(FIXTURE, { url: 'ws://localhost:8080/other' })).toEqual([{ ts: 10, dir: 'out', text: 'other-hello' }])
    expect(fromHar(FIXTURE, { url: /localhost/, connection: 2 })).toEqual([{ ts: 10, dir: 'out', text: 'other-hello' }])
    expect(fromHar(FIXTURE, { url: 'ws://localhost:8080/chat', inbound: 'exact' })[1]).toEqual({
      ts: 50,
      dir: 'in',
      text: '{"type":"join","room":"lobby","clientId":"c-4f8a91d2","at":"2026-11-30T10:00:00.049Z"}',
    })
  })

  it('names what it found when nothing matches, and the line and column of bad JSON', async () => {
    expect(() => fromHar(FIXTURE, { url: 'ws://localhost:8080/nope*' })).toThrowErrorMatchingInlineSnapshot(
      `[MockWsError: Failed to import HAR test/fixtures/devtools-chat.har: no WebSocket matches ws://localhost:8080/nope*. WebSockets in the file: ws://localhost:8080/chat?room=1, ws://localhost:8080/other.]`,
    )
    const bad = join(dir, 'bad.har')
    await writeFile(bad, '{\n  "log": {\n    "entries": [,]\n  }\n}\n')
    let error: unknown
    try {
      fromHar(bad)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ReplayParseError)
    expect((error as ReplayParseError).issues[0]).toMatchObject({ file: bad, line: 3, column: 17 })
    expect(() => fromHar({ log: {} })).toThrow(/Failed to import HAR <HAR object>: it has no log.entries array/)
    const broken = { log: { entries: [{ _resourceType: 'websocket', request: { url: 'ws://x/' }, _webSocketMessages: [{ type: 'send', opcode: 1, time: 1 }, null] }] } }
    expect(() => fromHar(broken)).toThrowErrorMatchingInlineSnapshot(
      `[MockWsError: Failed to import HAR <HAR object>: _webSocketMessages[0] is not {type: "send"|"receive", opcode, data: string}; _webSocketMessages[1] is not {type: "send"|"receive", opcode, data: string}. Export the HAR again from DevTools or Playwright; hand-edited messages need these fields.]`,
    )
  })
})

/** A page that greets the server with a nonce and a timestamp, subscribes, and lists what it receives. */
const PAGE = `<!doctype html><ul id="log"></ul><script>
  const ws = new WebSocket(new URL('/live', location.href.replace('http', 'ws')))
  const log = (t) => { const li = document.createElement('li'); li.textContent = t; document.getElementById('log').append(li) }
  ws.onopen = () => ws.send(JSON.stringify({ type: 'hello', nonce: crypto.randomUUID(), at: Date.now() }))
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data)
    log(m.type + (m.price !== undefined ? ' ' + m.price : ''))
    if (m.type === 'welcome') ws.send(JSON.stringify({ type: 'subscribe', topic: 'prices', ref: 'r' + (1e8 + Math.floor(Math.random() * 9e8)) }))
  }
</script>`

/** The real server: welcome echoing the nonce, then two prices tagged with the subscription's ref. */
async function startApp(): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' })
    res.end(PAGE)
  })
  const wss = new WebSocketServer({ server, path: '/live' })
  wss.on('connection', (socket) => {
    socket.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as { type: string; nonce?: string; ref?: string }
      if (m.type === 'hello') socket.send(JSON.stringify({ type: 'welcome', nonce: m.nonce, note: 'use {{name}} in templates' }))
      if (m.type === 'subscribe') {
        socket.send(JSON.stringify({ type: 'price', ref: m.ref, price: 101 }))
        socket.send(JSON.stringify({ type: 'price', ref: m.ref, price: 102 }))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const c of wss.clients) c.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** A fresh client with its own nonce and ref, as the page would be on another day. */
async function playAsFreshClient(url: string): Promise<string[]> {
  const c = await connectClient(url)
  const nonce = crypto.randomUUID()
  c.send(JSON.stringify({ type: 'hello', nonce, at: Date.now() }))
  const welcome = JSON.parse(String(await c.next())) as { nonce: string; note: string }
  expect(welcome).toEqual({ type: 'welcome', nonce, note: 'use {{name}} in templates' })
  const ref = `r${1e8 + Math.floor(Math.random() * 9e8)}`
  c.send(JSON.stringify({ type: 'subscribe', topic: 'prices', ref }))
  const prices = [JSON.parse(String(await c.next())), JSON.parse(String(await c.next()))] as { ref: string; price: number }[]
  expect(prices.map((p) => p.ref)).toEqual([ref, ref])
  await c.close()
  return ['welcome', ...prices.map((p) => `price ${p.price}`)]
}

describe('fromHar: a HAR recorded by Chromium through Playwright recordHar', () => {
  it('imports with fromHar() and with the CLI, and replays to a fresh ws client with its own ids', async () => {
    const app = await startApp()
    cleanups.push(() => app.close())
    const harPath = join(dir, 'app.har')
    const browser = await chromium.launch({
      executablePath: process.env.MOCKFORGE_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    })
    cleanups.push(() => browser.close())
    const context = await browser.newContext({ recordHar: { path: harPath, content: 'embed' } })
    const page = await context.newPage()
    await page.goto(app.origin)
    await page.locator('#log li').nth(2).waitFor()
    expect(await page.locator('#log li').allTextContents()).toEqual(['welcome', 'price 101', 'price 102'])
    await context.close() // writes the HAR

    const har = JSON.parse(await readFile(harPath, 'utf8')) as { log: { entries: { _webSocketMessages?: { time: number }[] }[] } }
    const socketEntry = har.log.entries.find((e) => e._webSocketMessages)
    // Playwright stamps messages in epoch ms (DevTools writes seconds); both come out as ms from the entry's start.
    expect(socketEntry?._webSocketMessages?.[0]?.time).toBeGreaterThan(1e12)
    const entries = fromHar(harPath, { url: `${app.origin.replace('http', 'ws')}/live` })
    expect(entries.map((e) => e.dir)).toEqual(['in', 'out', 'in', 'out', 'out'])
    expect(entries.every((e) => e.ts >= 0 && e.ts < 30_000)).toBe(true)
    expect(entries[0]).toMatchObject({ json: { type: 'hello' }, capture: { nonce: '$.nonce' } })

    const mock = await mockWs({ strict: true }).replay(entries)
    expect(await playAsFreshClient(mock.url)).toEqual(['welcome', 'price 101', 'price 102'])
    await mock.close()

    const out = join(dir, 'app.jsonl')
    const cli = runCli(['import-har', harPath, '--url', 'ws://127.0.0.1:*/live', '--out', out])
    expect(await cli.exited).toBe(0)
    expect(cli.stdout()).toBe(`wrote 5 entries to ${out}\n`)
    expect(cli.stderr()).toBe('') // not a TTY: no progress line
    const fromCli = await mockWs({ strict: true }).replay(out)
    expect(await playAsFreshClient(fromCli.url)).toEqual(['welcome', 'price 101', 'price 102'])
    await fromCli.close()
  })
})
