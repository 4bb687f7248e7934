// The HTML timeline of `mockforge-ws view` with 100,000 frames: time to build the HTML in Node, and
// time for real Chromium (Debian's /usr/bin/chromium through Playwright) to load the file and draw the
// first screen of the virtualised list; then the time of one scroll to the end. Target: under 2 s to
// open. A figure for bench/ and docs, not a unit test.
//
//   npx tsup && node bench/view.bench.mjs
//
// Env: BENCH_VIEW_FRAMES (default 100000), BENCH_VIEW_SAMPLES (default 5), MOCKFORGE_CHROMIUM, MOCKFORGE_WS_BENCH_ENTRY.
// Writes bench/results/view.json.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { chromium } from '@playwright/test'
import { round, summarize } from './lib/stats.mjs'
import { envNumber, loadLibrary, writeResults } from './lib/results.mjs'
import { printTable } from './lib/table.mjs'

const FRAMES = envNumber('BENCH_VIEW_FRAMES', 100_000)
const SAMPLES = envNumber('BENCH_VIEW_SAMPLES', 5)
const TARGET_OPEN_MS = 2000

const { renderTimeline } = await loadLibrary('view')
const frames = Array.from({ length: FRAMES }, (_, i) => ({
  connection: 1 + (i % 3),
  ts: i * 1.5,
  dir: i % 2 ? 'in' : 'out',
  text: i % 2 ? `{"type":"ack","seq":${i}}` : `{"type":"price","symbol":"ACME","price":${(100 + (i % 50) / 10).toFixed(1)},"seq":${i}}`,
}))

const dir = mkdtempSync(join(tmpdir(), 'mockforge-view-bench-'))
const file = join(dir, 'timeline.html')
const renderMs = []
let html = ''
for (let i = 0; i < SAMPLES; i++) {
  const start = performance.now()
  html = renderTimeline({ title: `${FRAMES} frames`, frames })
  renderMs.push(performance.now() - start)
}
writeFileSync(file, html)
const bytes = statSync(file).size

const browser = await chromium.launch({
  executablePath: process.env.MOCKFORGE_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
})
const openMs = []
const scrollMs = []
try {
  for (let i = 0; i < SAMPLES; i++) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    const start = performance.now()
    await page.goto(pathToFileURL(file).href)
    await page.waitForFunction((n) => document.documentElement.dataset.rendered === String(n), FRAMES)
    openMs.push(performance.now() - start)
    const scrollStart = performance.now()
    await page.locator('#scroll').evaluate((el) => (el.scrollTop = el.scrollHeight))
    await page.locator('#spacer').getByText(`"seq":${FRAMES - 1}`).waitFor()
    scrollMs.push(performance.now() - scrollStart)
    await page.close()
  }
} finally {
  await browser.close()
  rmSync(dir, { recursive: true, force: true })
}

const render = summarize(renderMs)
const open = summarize(openMs)
const scroll = summarize(scrollMs)
const summary = [
  {
    metric: `view: open ${FRAMES.toLocaleString('en-US')}-frame timeline in Chromium (median ms)`,
    value: `${round(open.median, 0)} ms`,
    baseline: `target ${TARGET_OPEN_MS} ms`,
    ratio: round(open.median / TARGET_OPEN_MS, 2),
    target: `≤ ${TARGET_OPEN_MS} ms`,
    met: open.median <= TARGET_OPEN_MS,
  },
]
printTable(
  [
    ['measure', 'median', 'min', 'max'],
    ['build HTML in Node (renderTimeline)', `${round(render.median, 0)} ms`, `${round(render.min, 0)} ms`, `${round(render.max, 0)} ms`],
    ['Chromium: load + first screen', `${round(open.median, 0)} ms`, `${round(open.min, 0)} ms`, `${round(open.max, 0)} ms`],
    ['Chromium: scroll to the last frame', `${round(scroll.median, 0)} ms`, `${round(scroll.min, 0)} ms`, `${round(scroll.max, 0)} ms`],
  ],
  { title: `view: ${FRAMES} frames, ${SAMPLES} samples` },
)
console.log(`HTML size: ${(bytes / 1024 / 1024).toFixed(1)} MiB for ${FRAMES} frames`)
writeResults('view', { frames: FRAMES, samples: SAMPLES, htmlBytes: bytes, renderMs: render, openMs: open, scrollMs: scroll, summary })
