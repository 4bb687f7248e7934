// routeFromReplay in a real Chromium page: record against a real local backend, stop it, replay.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WebSocketServer } from 'ws'
import { expect, routeFromReplay, test } from '../src/integrations/playwright.js'

/** The app: connects to the backend named in its query, greets it with a nonce, subscribes, lists what arrives. */
const PAGE = `<!doctype html><p id="status">connecting</p><ul id="log"></ul><script>
  const ws = new WebSocket(new URLSearchParams(location.search).get('ws'))
  const log = (t) => { const li = document.createElement('li'); li.textContent = t; document.getElementById('log').append(li) }
  const nonce = crypto.randomUUID()
  ws.onopen = () => { document.getElementById('status').textContent = 'live'; ws.send(JSON.stringify({ type: 'hello', nonce, at: Date.now() })) }
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data)
    if (m.type === 'welcome') {
      log('welcome ' + (m.nonce === nonce ? 'mine' : 'other') + ' ' + m.motd)
      ws.send(JSON.stringify({ type: 'subscribe', symbol: 'ACME', sub: 'sub-' + crypto.randomUUID().slice(0, 8) }))
    } else log(m.symbol + ' ' + m.price)
  }
</script>`

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

test('routeFromReplay records the page against the real backend, then replays with the backend stopped', async ({ browser }) => {
  const dir = await mkdtemp(join(tmpdir(), 'mockforge-ws-e2e-vcr-'))
  const site = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' })
    res.end(PAGE)
  })
  const sitePort = await listen(site)
  const backend = http.createServer()
  const wss = new WebSocketServer({ server: backend, path: '/live' })
  wss.on('connection', (socket) => {
    socket.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as { type: string; nonce?: string; sub?: string }
      if (m.type === 'hello') socket.send(JSON.stringify({ type: 'welcome', nonce: m.nonce, motd: 'hi {{user}}' }))
      if (m.type === 'subscribe') {
        socket.send(JSON.stringify({ type: 'price', sub: m.sub, symbol: 'ACME', price: 101.5 }))
        socket.send(JSON.stringify({ type: 'price', sub: m.sub, symbol: 'ACME', price: 102 }))
      }
    })
  })
  const backendPort = await listen(backend)
  const backendUrl = `ws://127.0.0.1:${backendPort}/live`
  const appUrl = `http://127.0.0.1:${sitePort}/?ws=${encodeURIComponent(backendUrl)}`
  const file = join(dir, 'feed.jsonl')
  try {
    const recording = await browser.newContext()
    const page = await recording.newPage()
    const route = await routeFromReplay(page, backendUrl, file)
    expect(route.mode).toBe('record')
    await page.goto(appUrl)
    const expected = ['welcome mine hi {{user}}', 'ACME 101.5', 'ACME 102']
    await expect(page.locator('#log li')).toHaveText(expected)
    await route.close()
    await recording.close()
    expect(route.written).toEqual([file])
    expect(await readFile(file, 'utf8')).toContain('{{match.nonce}}')

    for (const c of wss.clients) c.terminate()
    await new Promise<void>((resolve) => wss.close(() => resolve()))
    await new Promise<void>((resolve) => backend.close(() => resolve()))

    const replaying = await browser.newContext()
    const again = await replaying.newPage()
    const replay = await routeFromReplay(again, backendUrl, file)
    expect(replay.mode).toBe('replay')
    await again.goto(appUrl)
    await expect(again.locator('#log li')).toHaveText(expected)
    await replaying.close()
    await replay.close() // strict: rejects if the page's messages did not satisfy the recording
    expect(existsSync(file)).toBe(true)
  } finally {
    wss.close()
    backend.close()
    site.closeAllConnections()
    await new Promise<void>((resolve) => site.close(() => resolve()))
    await rm(dir, { recursive: true, force: true })
  }
})
