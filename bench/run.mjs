// Runs every bench/*.bench.mjs in its own Node process, one after another (a 2-core machine has
// no room for two at once), then merges bench/results/*.json into bench/results.json and prints
// one summary table of the headline figures against their baselines and targets.
//
//   npm run bench                         # build, then every bench
//   node bench/run.mjs --only echo        # one bench (repeatable, or comma-separated)
//   node bench/run.mjs --list             # the benches it would run
//
// A bench asks for Node flags with a header line `// node-flags: --expose-gc`.
// Exit code 1 when a bench failed; the others still run.
import { spawn } from 'node:child_process'
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { machineInfo, RESULTS_DIR } from './lib/results.mjs'
import { printTable } from './lib/table.mjs'

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url))
const MERGED_FILE = join(BENCH_DIR, 'results.json')
const SUFFIX = '.bench.mjs'
const NODE_FLAGS_HEADER = /^\/\/ node-flags:(.*)$/m
const DIST_DIR = join(BENCH_DIR, '..', 'dist')
// A private copy of the build for the whole run: other people's `tsup` in the same tree cleans
// dist/ and would pull the library out from under a bench half-way. Inside the repository (and
// matched by .gitignore's bench/results.tmp*) so the copy still resolves node_modules.
const SNAPSHOT_DIR = join(BENCH_DIR, 'results.tmp-run-dist')

const { values } = parseArgs({
  options: { only: { type: 'string', multiple: true }, list: { type: 'boolean', default: false } },
})

const all = readdirSync(BENCH_DIR)
  .filter((f) => f.endsWith(SUFFIX))
  .sort()
  .map((f) => ({ name: basename(f, SUFFIX), file: join(BENCH_DIR, f) }))
const only = values.only?.flatMap((o) => o.split(',')).map((o) => o.trim()).filter(Boolean)
const unknown = only?.filter((o) => !all.some((b) => b.name === o)) ?? []
if (unknown.length > 0) {
  console.error(`Failed to select benches: no bench named ${unknown.join(', ')}. Available: ${all.map((b) => b.name).join(', ')}.`)
  process.exit(2)
}
const selected = only ? all.filter((b) => only.includes(b.name)) : all
if (values.list) {
  for (const b of selected) console.log(`${b.name}\t${nodeFlags(b.file).join(' ')}`)
  process.exit(0)
}

function nodeFlags(file) {
  const header = NODE_FLAGS_HEADER.exec(readFileSync(file, 'utf8'))
  return header ? header[1].trim().split(/\s+/).filter(Boolean) : []
}

/** Copies dist/ for this run and returns the entry to hand the benches, unless one was given. */
function snapshotDist() {
  if (process.env.MOCKFORGE_WS_BENCH_ENTRY) return process.env.MOCKFORGE_WS_BENCH_ENTRY
  if (!existsSync(join(DIST_DIR, 'index.js'))) {
    console.error('Failed to start the benches: dist/index.js is missing. Run `npx tsup` first (or use `npm run bench`).')
    process.exit(2)
  }
  rmSync(SNAPSHOT_DIR, { recursive: true, force: true })
  cpSync(DIST_DIR, SNAPSHOT_DIR, { recursive: true })
  return pathToFileURL(join(SNAPSHOT_DIR, 'index.js')).href
}

function runBench(bench, entry) {
  const flags = nodeFlags(bench.file)
  console.log(`\n━━ ${bench.name} ${flags.length ? `(node ${flags.join(' ')}) ` : ''}━━`)
  const start = performance.now()
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...flags, bench.file], {
      stdio: 'inherit',
      cwd: join(BENCH_DIR, '..'),
      env: { ...process.env, MOCKFORGE_WS_BENCH_ENTRY: entry },
    })
    child.on('exit', (code, signal) => resolve({ name: bench.name, ok: code === 0, code, signal, seconds: (performance.now() - start) / 1000 }))
  })
}

const started = performance.now()
const entry = snapshotDist()
const outcomes = []
try {
  for (const bench of selected) outcomes.push(await runBench(bench, entry))
} finally {
  if (!process.env.MOCKFORGE_WS_BENCH_ENTRY) rmSync(SNAPSHOT_DIR, { recursive: true, force: true })
}

// Merge every results file, including those of benches not run this time (marked as such).
const ranNow = new Set(outcomes.filter((o) => o.ok).map((o) => o.name))
const results = {}
for (const f of readdirSync(RESULTS_DIR).filter((f) => f.endsWith('.json')).sort()) {
  const name = basename(f, '.json')
  try {
    results[name] = { ranThisRun: ranNow.has(name), ...JSON.parse(readFileSync(join(RESULTS_DIR, f), 'utf8')) }
  } catch (error) {
    console.error(`skipping ${f}: ${error.message}`)
  }
}
const merged = {
  date: new Date().toISOString(),
  machine: machineInfo(),
  runSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  runs: outcomes.map((o) => ({ ...o, seconds: Number(o.seconds.toFixed(1)) })),
  results,
}
writeFileSync(MERGED_FILE, `${JSON.stringify(merged, null, 2)}\n`)

// Benches written before the shared summary format get their headline rows derived here.
const derive = {
  tracing(r) {
    const ms = r.msgsPerSecond ?? {}
    const raw = ms['raw ws echo']?.median
    const fmt = (x) => Math.round(x).toLocaleString('en-US')
    return ['mockWs, telemetry: false', 'mockWs, no tracer provider', 'mockWs, SDK batch processor']
      .filter((k) => ms[k] && raw)
      .map((k) => ({ metric: `tracing echo: ${k} vs raw ws (msgs/s)`, value: fmt(ms[k].median), baseline: fmt(raw), ratio: ms[k].median / raw }))
  },
  proxy(r) {
    const fmt = (x) => Math.round(x).toLocaleString('en-US')
    return (r.results ?? []).map((x) => ({
      metric: `proxy echo, ${x.clients} client${x.clients === 1 ? '' : 's'}: proxied vs direct (msgs/s)`,
      value: fmt(x.proxiedMsgsPerSec),
      baseline: fmt(x.directMsgsPerSec),
      ratio: x.ratio,
      ...(typeof r.goalRatio === 'number' ? { target: `≥ ${r.goalRatio.toFixed(2)}×`, met: x.ratio >= r.goalRatio } : {}),
    }))
  },
  'latency-accuracy'(r) {
    return (r.results ?? []).map((x) => ({
      metric: `latency p99 error: ${x.profile}`,
      value: `${x.injector?.p99ErrorMs} ms`,
      baseline: `${x.baseline?.p99ErrorMs} ms (setTimeout)`,
      ratio: x.p99ErrorRatio,
    }))
  },
}

const rows = [['bench', 'metric', 'value', 'baseline', 'ratio', 'target', 'met']]
for (const [name, r] of Object.entries(results)) {
  const summary = Array.isArray(r.summary) ? r.summary : (derive[name]?.(r) ?? [])
  const stale = r.ranThisRun ? '' : ` (from ${r.date?.slice(0, 16) ?? 'an earlier run'})`
  if (summary.length === 0) rows.push([name + stale, `see bench/results/${name}.json`, '', '', '', '', ''])
  for (const [i, s] of summary.entries()) {
    rows.push([
      i === 0 ? name + stale : '',
      s.metric,
      s.value ?? '',
      s.baseline ?? '',
      typeof s.ratio === 'number' && Number.isFinite(s.ratio) ? `${s.ratio.toFixed(2)}×` : '',
      s.target ?? '',
      s.met === undefined ? '' : s.met ? 'yes' : 'NO',
    ])
  }
}
const m = merged.machine
console.log(`\n━━ summary (${m.cpuModel}, ${m.cpus} CPUs, node ${m.node}) ━━`)
printTable(rows)
printTargets(results)
for (const o of outcomes) if (!o.ok) console.log(`FAILED: ${o.name} (exit ${o.code ?? o.signal}) after ${o.seconds.toFixed(1)} s`)
console.log(`ran ${outcomes.length} bench${outcomes.length === 1 ? '' : 'es'} in ${merged.runSeconds} s; wrote ${MERGED_FILE}`)
process.exitCode = outcomes.every((o) => o.ok) ? 0 : 1

/**
 * The targets of issue #17, one row each: what this run (or the latest results file) measured,
 * the target, and whether it is met. Ratios are against raw `ws` in the same run.
 */
function printTargets(results) {
  const x = (r) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : 'n/a')
  const span = (values) => (values.length === 0 ? 'n/a' : `${x(Math.min(...values))}–${x(Math.max(...values))}`.replace(/^(.+)–\1$/, '$1'))
  const from = (name) => (results[name] ? (results[name].ranThisRun ? '' : ` (from ${results[name].date?.slice(0, 16) ?? 'an earlier run'})`) : '')
  const targets = [
    {
      figure: 'echo, server CPU per message, 1 and 8 clients, 32 B and 4 KiB, defaults (vs raw ws decoding text)',
      target: '≤ 1.15×',
      bench: 'echo',
      read(r) {
        const v = (r.configs ?? []).map((c) => c.serverCpuVsRawText)
        return v.length ? { now: span(v), met: Math.max(...v) <= 1.15 } : undefined
      },
    },
    {
      figure: 'heapUsed per idle connection (5,000 connections)',
      target: '≤ 1.30×',
      bench: 'memory',
      read: (r) => (r.ratios ? { now: x(r.ratios.heapUsed), met: r.ratios.heapUsed <= 1.3 } : undefined),
    },
    {
      figure: 'RSS per idle connection',
      target: '≤ 1.20×',
      bench: 'memory',
      read: (r) => (r.ratios ? { now: x(r.ratios.rss), met: r.ratios.rss <= 1.2 } : undefined),
    },
    {
      figure: 'lifecycle wall (start → connect → 1 msg each way → close)',
      target: '≤ 1.10×',
      bench: 'lifecycle',
      read: (r) => (r.ratios ? { now: x(r.ratios.mockWsVsRawWs), met: r.ratios.mockWsVsRawWs <= 1.1 } : undefined),
    },
    {
      figure: 'lifecycle CPU per cycle',
      target: '≤ 1.20×',
      bench: 'lifecycle',
      read: (r) => (r.ratios?.mockWsCpuVsRawWs !== undefined ? { now: x(r.ratios.mockWsCpuVsRawWs), met: r.ratios.mockWsCpuVsRawWs <= 1.2 } : undefined),
    },
    {
      figure: "lifecycle wall vs MSW ws.link, per-cycle setupServer",
      target: '≤ 2.00×',
      bench: 'lifecycle',
      read: (r) => (r.ratios?.mockWsVsMswPerCycle !== undefined ? { now: x(r.ratios.mockWsVsMswPerCycle), met: r.ratios.mockWsVsMswPerCycle <= 2 } : undefined),
    },
    {
      figure: "import of the core, whole process (import('mockforge-ws') vs import('ws'))",
      target: '≤ +15 ms',
      bench: 'import',
      read: (r) => (r.extraOverWsMs ? { now: `+${r.extraOverWsMs.median.toFixed(1)} ms`, met: r.extraOverWsMs.median <= 15 } : undefined),
    },
    {
      figure: 'replay playback of 100k ts=0 entries (rate vs raw send loop)',
      target: '≥ 0.95×',
      bench: 'replay',
      read(r) {
        const t = r.playback?.mockWsVsRawWsTime
        return t ? { now: x(1 / t), met: 1 / t >= 0.95 } : undefined
      },
    },
    {
      figure: 'proxy throughput vs direct, 1 and 8 clients',
      target: '≥ 0.85×',
      bench: 'proxy',
      read(r) {
        const v = (r.results ?? []).map((row) => row.ratio)
        return v.length ? { now: span(v), met: Math.min(...v) >= 0.85 } : undefined
      },
    },
    {
      figure: '1M echoes on one connection: peak RSS vs raw ws, and flat',
      target: '≤ 1.50×, flat',
      bench: 'soak',
      read: (r) => (r.ratios ? { now: `${x(r.ratios.peakRss)}, last/first quarter ${x(r.ratios.growth)}`, met: r.ratios.peakRss <= 1.5 && r.ratios.growth <= 1.1 } : undefined),
    },
  ]
  const rows = [['figure (issue #17)', 'now', 'target', 'met']]
  for (const t of targets) {
    const got = results[t.bench] ? t.read(results[t.bench]) : undefined
    rows.push([t.figure, got ? got.now + from(t.bench) : `not measured (bench ${t.bench})`, t.target, got ? (got.met ? 'yes' : 'NO') : ''])
  }
  console.log('\n━━ targets (ratios against raw ws in the same run, medians of interleaved rounds) ━━')
  printTable(rows)
}
