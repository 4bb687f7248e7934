// The HTML timeline in real Chromium: self-contained (no request beyond the file itself), every frame
// readable, JSON pretty-printed on click, failures marked. Also saves the screenshot docs/view.md shows
// when MOCKFORGE_WS_DOCS_SCREENSHOT=1.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import WebSocket from 'ws'
import { expect, test } from '../src/integrations/playwright.js'
import { renderTimeline } from '../src/view/timeline.js'

test('a mock transcript renders as a self-contained, readable timeline', async ({ page, mockWs }) => {
  const ws = await mockWs({ strict: true })
    .send('{"type":"welcome","user":{"id":7,"name":"Ada"}}')
    .expect({ type: 'subscribe' })
    .send(new Uint8Array([0xde, 0xad, 0xbe, 0xef]))
    .expect('bye', { timeoutMs: 200 })
  const first = new WebSocket(ws.url)
  const second = new WebSocket(ws.url)
  await new Promise<void>((resolve) => first.once('message', () => resolve()))
  first.send('{"type":"subscribe","symbols":["ACME"]}')
  first.send('not bye')
  await new Promise<void>((resolve) => second.once('message', () => resolve()))
  second.close(1000, 'done')
  await expect.poll(() => ws.failures.length).toBeGreaterThanOrEqual(2)
  first.close()
  await ws.close().catch(() => undefined) // strict: the failures are what this page shows

  const dir = mkdtempSync(join(tmpdir(), 'mockforge-view-e2e-'))
  try {
    const file = join(dir, 'timeline.html')
    writeFileSync(file, renderTimeline({ title: 'two clients', frames: ws.transcript, failures: ws.failures }))
    const requests: string[] = []
    page.on('request', (r) => requests.push(r.url()))
    await page.setViewportSize({ width: 1000, height: 420 })
    await page.goto(pathToFileURL(file).href)
    await expect(page.locator('html')).toHaveAttribute('data-rendered', String(ws.transcript.length + ws.failures.length))
    // The only request is the document itself.
    expect(requests).toEqual([pathToFileURL(file).href])

    const list = page.locator('#spacer')
    for (const frame of ws.transcript) {
      if (frame.text !== undefined) await expect(list).toContainText(frame.text)
    }
    await expect(list).toContainText('<binary 4 bytes> de ad be ef')
    await expect(list).toContainText('close 1000 done')
    await expect(page.locator('.row.fail')).toHaveCount(ws.failures.length)
    for (const failure of ws.failures) await expect(page.locator('.row.fail').filter({ hasText: failure.message })).toHaveCount(1)
    await expect(page.locator('.lanes')).toContainText('connection #1')
    await expect(page.locator('.lanes')).toContainText('connection #2')

    await page.locator('.row.out.text').first().click()
    await expect(page.locator('#detail')).toContainText('"user": {\n    "id": 7,')

    if (process.env.MOCKFORGE_WS_DOCS_SCREENSHOT === '1') await page.screenshot({ path: 'docs/images/view-timeline.png' })
    else await page.screenshot({ path: test.info().outputPath('view-timeline.png') })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a long timeline stays virtualised: few rows in the DOM, the last frame reachable by scrolling', async ({ page }) => {
  const frames = Array.from({ length: 20_000 }, (_, i) => ({ connection: 1, ts: i, dir: (i % 2 ? 'in' : 'out') as 'in' | 'out', text: `message ${i}` }))
  const dir = mkdtempSync(join(tmpdir(), 'mockforge-view-e2e-'))
  try {
    const file = join(dir, 'long.html')
    writeFileSync(file, renderTimeline({ frames }))
    await page.goto(pathToFileURL(file).href)
    await expect(page.locator('html')).toHaveAttribute('data-rendered', '20000')
    expect(await page.locator('.row').count()).toBeLessThan(200)
    await page.locator('#scroll').evaluate((el) => (el.scrollTop = el.scrollHeight))
    await expect(page.locator('#spacer')).toContainText('message 19999')
    expect(await page.locator('.row').count()).toBeLessThan(200)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
