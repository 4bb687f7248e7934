// toMswHandler in Chromium: MSW's setupWorker (with mockServiceWorker.js) intercepts the page's global WebSocket.
// The page is bundled from the sources at test time and served on port 0 (e2e/msw-support/serve.ts).
import { expect, test as base } from '@playwright/test'
import contract from '../test/contract/cases.cjs'
import { startMswPageServer, type MswPageServer } from './msw-support/serve.js'

interface MswE2E {
  ready(): Promise<boolean>
  selfCheck(): Promise<string[]>
  caseNames(): string[]
  runCase(name: string): Promise<{ ok: true } | { ok: false; error: string }>
  loadFile(): Promise<{ name: string; code: string; message: string } | 'resolved'>
  feed(): Promise<{ closed: { code: number; reason: string }; failures: number; received: string[]; gapMs: number; blobType: string }>
}

const test = base.extend<object, { mswPage: MswPageServer }>({
  mswPage: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const server = await startMswPageServer()
      await use(server)
      await server.close()
    },
    { scope: 'worker' },
  ],
})

test.beforeEach(async ({ page, mswPage }) => {
  await page.goto(`${mswPage.origin}/`)
  expect(await page.evaluate(() => (window as unknown as { mswE2E: MswE2E }).mswE2E.ready())).toBe(true)
})

test('the app in the page plays a scenario through setupWorker: order, templates, expect, timing, binary, close', async ({ page }) => {
  const result = await page.evaluate(() => (window as unknown as { mswE2E: MswE2E }).mswE2E.feed())
  await expect(page.locator('#feed li')).toHaveText(['welcome', 'price 1', 'price 2', 'blob:3'])
  expect(result.closed).toEqual({ code: 1000, reason: 'market closed' })
  expect(result.failures).toBe(0)
  expect(result.received).toEqual(['READY', '{"type":"subscribe","channel":"prices"}'])
  // The delay(200) between the two prices, measured in the page.
  expect(result.gapMs).toBeGreaterThanOrEqual(195)
  expect(result.gapMs).toBeLessThan(200 + 250)
  expect(result.blobType).toBe('binary sent')
})

test('a replay file path fails to load in the page with a clear error, not a missing node:fs module', async ({ page }) => {
  const outcome = await page.evaluate(() => (window as unknown as { mswE2E: MswE2E }).mswE2E.loadFile())
  expect(outcome).toMatchObject({ name: 'MockWsError', code: 'WSM_CONFIG' })
  expect(outcome).toHaveProperty(
    'message',
    expect.stringMatching(/^Failed to load replay test\/fixtures\/kinds-in-text\.jsonl: reading files needs Node \(.+\)\. Pass replay entries, JSON Lines text or a Scenario instead of a file\.$/),
  )
})

test.describe('contract through toMswHandler in Chromium (setupWorker)', () => {
  for (const c of contract.cases) {
    test(c.name, async ({ page }) => {
      const outcome = await page.evaluate((name) => (window as unknown as { mswE2E: MswE2E }).mswE2E.runCase(name), c.name)
      expect(outcome).toEqual({ ok: true })
    })
  }

  test('the in-page expect reports failures, so the passing cases above are evidence', async ({ page }) => {
    const caught = await page.evaluate(() => (window as unknown as { mswE2E: MswE2E }).mswE2E.selfCheck())
    expect(caught).toEqual([
      'expected {"a":1} to equal {"a":2}',
      'expected "x" to be "x"',
      'expect(mock).toHaveConnections(expected)',
      'expect(mock).toReceiveMessage(expected)',
    ])
  })

  test('the page runs every case of the shared contract', async ({ page }) => {
    const names = await page.evaluate(() => (window as unknown as { mswE2E: MswE2E }).mswE2E.caseNames())
    expect(names).toEqual(contract.cases.map((c) => c.name))
  })
})
