// Delivery accuracy of the latency injector's ordered scheduler against a plain per-message
// setTimeout(fn, delay) baseline run with the very same delays in the same process.
//
//   npm run build && node bench/latency-accuracy.bench.mjs
//
// Messages are scheduled at BENCH_RATE msgs/s for BENCH_SECONDS under each profile; for every
// message the error is (actual delay − scheduled delay) in ms, measured with performance.now().
// The scheduler's "scheduled delay" is the wait it returned (the draw, or longer when an earlier
// message is due later); the baseline gets those same waits, so both aim at identical due times.
// Both run side by side on the same messages, so machine noise hits them alike.
//
// Env: BENCH_RATE (default 1000), BENCH_SECONDS (default 3), BENCH_SEED (default 1),
// MOCKFORGE_WS_BENCH_ENTRY (module to import instead of ../dist/index.js).
// Writes bench/results/latency-accuracy.json.
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'

const RATE = Number(process.env.BENCH_RATE ?? 1000)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)
const SEED = Number(process.env.BENCH_SEED ?? 1)
const ENTRY = process.env.MOCKFORGE_WS_BENCH_ENTRY ?? new URL('../dist/index.js', import.meta.url).href
const RESULTS_FILE = fileURLToPath(new URL('./results/latency-accuracy.json', import.meta.url))
// The producer ticks at this period and catches up on every message due by then, so the offered
// rate stays exact even when the event loop is late.
const PRODUCER_TICK_MS = 1

const lib = await import(ENTRY)
const { LatencyInjector, LatencyProfile } = lib
if (typeof LatencyInjector !== 'function' || typeof LatencyProfile !== 'function') {
  throw new Error(
    `Failed to run the latency accuracy bench: ${ENTRY} exports no LatencyInjector/LatencyProfile. Run \`npm run build\` first.`,
  )
}

const PROFILES = [
  { label: 'fixed 50 ms', input: { distribution: 'fixed', baseMs: 50 } },
  { label: 'normal (uniform 50–200 ms)', input: 'normal' },
]

/**
 * Calls `emit(i)` for i = 0..total-1 at RATE per second; resolves once every message was emitted.
 */
function produce(total, emit) {
  return new Promise((resolve) => {
    const start = performance.now()
    let sent = 0
    const tick = () => {
      const target = Math.min(total, Math.floor(((performance.now() - start) * RATE) / 1000) + 1)
      while (sent < target) emit(sent++)
      if (sent === total) {
        clearInterval(timer)
        resolve()
      }
    }
    const timer = setInterval(tick, PRODUCER_TICK_MS)
    tick()
  })
}

/**
 * Runs the injector and the baseline side by side on the same messages, so both see the same
 * event-loop load and the same noise from the rest of the machine: each message is scheduled on
 * the injector, and the wait it returns is handed to a plain setTimeout as well.
 */
async function run(input, total) {
  const injector = new LatencyInjector(input, { seed: SEED })
  const scheduler = injector.createScheduler()
  const waits = new Float64Array(total)
  const sides = { injector: track(total), baseline: track(total) }
  await produce(total, (i) => {
    const at = performance.now()
    waits[i] = scheduler.schedule(() => sides.injector.arrived(i, performance.now() - at - waits[i]))
    setTimeout(() => sides.baseline.arrived(i, performance.now() - at - waits[i]), waits[i])
  })
  await Promise.all([sides.injector.finished, sides.baseline.finished])
  scheduler.close()
  return { profile: injector.profile, waits, injector: sides.injector, baseline: sides.baseline }
}

function track(total) {
  const errors = new Float64Array(total)
  let done = 0
  let lastIndex = -1
  let finish
  const side = {
    errors,
    reorders: 0,
    finished: new Promise((resolve) => (finish = resolve)),
    arrived(i, error) {
      errors[i] = error
      if (i < lastIndex) side.reorders++
      lastIndex = i
      if (++done === total) finish()
    },
  }
  return side
}

function stats(values) {
  const sorted = Float64Array.from(values).sort()
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1], mean, min: sorted[0] }
}

const round = (x, digits = 2) => Number(x.toFixed(digits))

const total = Math.round(RATE * SECONDS)
const results = []
for (const { label, input } of PROFILES) {
  const { profile, waits: scheduled, injector, baseline } = await run(input, total)
  const inj = stats(injector.errors)
  const base = stats(baseline.errors)
  const waits = stats(scheduled)
  results.push({
    profile: label,
    spec: profile.toJSON(),
    messages: total,
    meanScheduledDelayMs: round(waits.mean),
    injector: { p50ErrorMs: round(inj.p50), p99ErrorMs: round(inj.p99), maxErrorMs: round(inj.max), minErrorMs: round(inj.min, 3), reorders: injector.reorders },
    baseline: { p50ErrorMs: round(base.p50), p99ErrorMs: round(base.p99), maxErrorMs: round(base.max), minErrorMs: round(base.min, 3), reorders: baseline.reorders },
    p99ErrorRatio: base.p99 > 0 ? round(inj.p99 / base.p99) : null,
    p99ErrorDeltaMs: round(inj.p99 - base.p99),
  })
}

const rows = [
  ['profile', 'msgs', 'mean delay', 'inj p50', 'inj p99', 'inj max', 'base p50', 'base p99', 'base max', 'p99 ratio', 'p99 Δ', 'reorders inj/base'],
  ...results.map((r) => [
    r.profile,
    String(r.messages),
    `${r.meanScheduledDelayMs} ms`,
    `${r.injector.p50ErrorMs} ms`,
    `${r.injector.p99ErrorMs} ms`,
    `${r.injector.maxErrorMs} ms`,
    `${r.baseline.p50ErrorMs} ms`,
    `${r.baseline.p99ErrorMs} ms`,
    `${r.baseline.maxErrorMs} ms`,
    r.p99ErrorRatio === null ? 'n/a' : `${r.p99ErrorRatio}×`,
    `${r.p99ErrorDeltaMs >= 0 ? '+' : ''}${r.p99ErrorDeltaMs} ms`,
    `${r.injector.reorders}/${r.baseline.reorders}`,
  ]),
]
const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)))
console.log(`latency accuracy: ${RATE} msgs/s for ${SECONDS} s per profile (error = actual − scheduled delay)`)
for (const [i, row] of rows.entries()) {
  console.log(row.map((cell, c) => cell.padEnd(widths[c])).join('  '))
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '))
}
console.log('p99 ratio = injector p99 error / setTimeout-per-message p99 error (lower is better; 1× = same accuracy); p99 Δ = the difference')

const report = {
  bench: 'latency-accuracy',
  date: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  rate: RATE,
  seconds: SECONDS,
  seed: SEED,
  baseline: 'setTimeout(fn, delay) per message, same delays',
  results,
}
mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true })
writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`)
console.log(`wrote ${RESULTS_FILE}`)
