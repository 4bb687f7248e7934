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
// A second pass runs the same messages through a real mock (mockWs().latency()) to a real `ws`
// client and measures the error at the client: arrival − send − the scheduler's wait.
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

// Through the server: a real mock (mockWs().latency()) sends to a real `ws` client in this process.
// The error is (arrival at the client − send call) − the wait the connection's scheduler returned,
// so it adds the socket, the loopback and the client's parsing to the scheduler's own error.
async function runThroughServer(input, total) {
  const { mockWs } = lib
  const { default: WebSocket } = await import('ws')
  const waits = []
  // Records the wait of every frame the connection schedules (its close frame comes after the last message).
  class RecordingInjector extends LatencyInjector {
    createScheduler(options) {
      const scheduler = super.createScheduler(options)
      const schedule = scheduler.schedule.bind(scheduler)
      scheduler.schedule = (fn) => {
        const wait = schedule(fn)
        waits.push(wait)
        return wait
      }
      return scheduler
    }
  }
  const mock = await mockWs({ telemetry: false }).latency(new RecordingInjector(input, { seed: SEED }))
  const client = new WebSocket(mock.url)
  const side = track(total)
  const sentAt = new Float64Array(total)
  client.on('message', (data) => {
    const i = Number(data.toString())
    side.arrived(i, performance.now() - sentAt[i] - waits[i])
  })
  await new Promise((resolve, reject) => {
    client.once('open', resolve)
    client.once('error', reject)
  })
  const conn = await mock.connected
  await produce(total, (i) => {
    sentAt[i] = performance.now()
    conn.send(String(i))
  })
  await side.finished
  client.close()
  await mock.close()
  return { waits: Float64Array.from(waits.slice(0, total)), side }
}

const serverResults = []
for (const { label, input } of PROFILES) {
  const { waits, side } = await runThroughServer(input, total)
  const e = stats(side.errors)
  serverResults.push({
    profile: label,
    messages: total,
    meanScheduledDelayMs: round(stats(waits).mean),
    p50ErrorMs: round(e.p50),
    p99ErrorMs: round(e.p99),
    maxErrorMs: round(e.max),
    minErrorMs: round(e.min, 3),
    reorders: side.reorders,
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
console.log('')
console.log(`through the server: mockWs().latency() → real ws client, ${RATE} msgs/s for ${SECONDS} s (error = arrival − send − scheduled wait)`)
const serverRows = [
  ['profile', 'msgs', 'mean delay', 'p50 error', 'p99 error', 'max error', 'min error', 'reorders'],
  ...serverResults.map((r) => [
    r.profile,
    String(r.messages),
    `${r.meanScheduledDelayMs} ms`,
    `${r.p50ErrorMs} ms`,
    `${r.p99ErrorMs} ms`,
    `${r.maxErrorMs} ms`,
    `${r.minErrorMs} ms`,
    String(r.reorders),
  ]),
]
const serverWidths = serverRows[0].map((_, c) => Math.max(...serverRows.map((row) => row[c].length)))
for (const [i, row] of serverRows.entries()) {
  console.log(row.map((cell, c) => cell.padEnd(serverWidths[c])).join('  '))
  if (i === 0) console.log(serverWidths.map((w) => '-'.repeat(w)).join('  '))
}

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
  throughServer: serverResults,
}
mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true })
writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`)
console.log(`wrote ${RESULTS_FILE}`)
