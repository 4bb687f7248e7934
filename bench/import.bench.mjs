// Import cost per test worker: a fresh `node` process that imports the core entry, against one
// that imports `ws` alone (the least a WebSocket server needs) and one that imports nothing, timed
// as whole processes (spawn → exit), in interleaved rounds so a slow phase of the machine hits
// every case alike. The figure is the median extra wall time over `import('ws')`. The CPU time of
// each child (user + system, read in its `exit` handler, so process teardown is not in it) is
// printed beside it: on a busy machine it moves less than wall time.
//
//   npx tsup && node bench/import.bench.mjs
//
// Env: BENCH_IMPORT_RUNS (rounds, default 21), MOCKFORGE_WS_BENCH_ENTRY, BENCH_IMPORT_COMPARE (the
// file: URL of another build's index.js, timed as one more interleaved case: before/after figures
// from the same run).
//
// Also printed, without timing: what each entry loads statically (files, KiB, feature code among them).
// Each ES module file costs a resolve, a read and a link, so the file count matters beside the bytes.
// Writes bench/results/import.json.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { staticClosure } from './lib/static-chunks.mjs'
import { ratio, round, summarize } from './lib/stats.mjs'
import { ENTRY, envNumber, writeResults } from './lib/results.mjs'
import { fmtMs, fmtSpread, printTable } from './lib/table.mjs'

const RUNS = envNumber('BENCH_IMPORT_RUNS', 21)
const TARGET_EXTRA_MS = 15
const WS_URL = import.meta.resolve('ws')
const DIST = ENTRY.startsWith('file:') ? dirname(fileURLToPath(ENTRY)) : undefined

const cases = [
  { key: 'node', label: 'node -e "" (process start alone)', code: '' },
  { key: 'ws', label: "import('ws')", code: `await import(${JSON.stringify(WS_URL)})` },
  { key: 'core', label: "import('mockforge-ws')", code: `await import(${JSON.stringify(ENTRY)})` },
  ...(process.env.BENCH_IMPORT_COMPARE
    ? [{ key: 'compare', label: `the other build (${process.env.BENCH_IMPORT_COMPARE})`, code: `await import(${JSON.stringify(process.env.BENCH_IMPORT_COMPARE)})` }]
    : []),
]

const REPORT_CPU = ";process.on('exit',()=>{const u=process.cpuUsage();process.stdout.write(String(u.user+u.system))})"

function timeOnce(code) {
  const start = performance.now()
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code + REPORT_CPU], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' })
  const ms = performance.now() - start
  if (r.status !== 0) throw new Error(`Failed to time an import: node exited with ${r.status ?? r.signal} for ${code || '(empty)'}`)
  cpuSamples.at(-1)?.push(Number(r.stdout) / 1000)
  return ms
}
let cpuSamples = []

for (const c of cases) timeOnce(c.code) // warm the file cache
const samples = Object.fromEntries(cases.map((c) => [c.key, []]))
const cpu = Object.fromEntries(cases.map((c) => [c.key, []]))
for (let r = 0; r < RUNS; r++) {
  for (let i = 0; i < cases.length; i++) {
    const c = cases[(r + i) % cases.length]
    cpuSamples = [cpu[c.key]]
    samples[c.key].push(timeOnce(c.code))
  }
}
const cpuStats = Object.fromEntries(cases.map((c) => [c.key, summarize(cpu[c.key])]))
const extraCpu = summarize(cpu.core.map((ms, i) => ms - cpu.ws[i]))
const stats = Object.fromEntries(cases.map((c) => [c.key, summarize(samples[c.key])]))
// Paired differences per round are steadier than a difference of medians on a noisy machine.
const extra = summarize(samples.core.map((ms, i) => ms - samples.ws[i]))
const EXTRA = new Set(['core', 'compare'])
printTable(
  [
    ['process', 'wall median', 'p25..p75', 'spread', 'extra over import(ws)', 'CPU median', 'extra CPU over import(ws)'],
    ...cases.map((c) => {
      const s = stats[c.key]
      return [
        c.label,
        fmtMs(s.median),
        `${fmtMs(s.p25)}..${fmtMs(s.p75)}`,
        fmtSpread(s.spread),
        EXTRA.has(c.key) ? `+${fmtMs(summarize(samples[c.key].map((ms, i) => ms - samples.ws[i])).median)}` : '',
        fmtMs(cpuStats[c.key].median),
        EXTRA.has(c.key) ? `+${fmtMs(summarize(cpu[c.key].map((ms, i) => ms - cpu.ws[i])).median)}` : '',
      ]
    }),
  ],
  { title: `import cost, whole process, ${RUNS} interleaved rounds` },
)
const q = ratio(stats.core, stats.ws, false)

// Feature code by the src/ folders (and files) that hold it.
const FEATURES = { AI: /^ai\/(run-on-connection|generator|openai-source|offline|json-stream)\./, proxy: /^proxy\/(proxy-handler|forward|upstream)\./, AsyncAPI: /^asyncapi\/(load|schema)\./, view: /^view\// }
const statics = DIST
  ? ['index', 'integrations/vitest', 'integrations/vitest-setup', 'integrations/jest', 'integrations/playwright', 'integrations/msw', 'kits/socket-io/index', 'kits/graphql/index']
      .flatMap((entry) => [`${entry}.js`, `${entry}.cjs`])
      .filter((entry) => existsSync(join(DIST, entry)))
      .map((entry) => {
        const { files, bytes, sources } = staticClosure(join(DIST, entry))
        const features = Object.entries(FEATURES).filter(([, re]) => sources.some((s) => re.test(s))).map(([name]) => name)
        return { entry, files, kib: round(bytes / 1024, 1), features }
      })
  : []
if (statics.length > 0) {
  printTable([['entry (dist/)', 'files', 'KiB', 'feature code loaded statically'], ...statics.map((e) => [e.entry, e.files, e.kib, e.features.join(', ') || 'none'])], {
    title: '\nwhat each entry loads before any feature is used (static imports)',
  })
}
writeResults('import', {
  runs: RUNS,
  entry: ENTRY,
  ms: Object.fromEntries(cases.map((c) => [c.key, { label: c.label, ...Object.fromEntries(Object.entries(stats[c.key]).map(([k, v]) => [k, round(v, 2)])) }])),
  extraOverWsMs: Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, round(v, 2)])),
  cpuMs: Object.fromEntries(cases.map((c) => [c.key, Object.fromEntries(Object.entries(cpuStats[c.key]).map(([k, v]) => [k, round(v, 2)]))])),
  extraCpuOverWsMs: Object.fromEntries(Object.entries(extraCpu).map(([k, v]) => [k, round(v, 2)])),
  staticImports: statics,
  summary: [
    {
      metric: "import of the core, whole process: import('mockforge-ws') vs import('ws')",
      value: fmtMs(stats.core.median),
      baseline: fmtMs(stats.ws.median),
      ratio: round(q.ratio),
      extraMs: round(extra.median, 1),
      target: `≤ +${TARGET_EXTRA_MS} ms (now +${extra.median.toFixed(1)} ms)`,
      met: extra.median <= TARGET_EXTRA_MS,
    },
  ],
})
