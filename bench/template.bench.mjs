// Template rendering: tokens per second for a typical server message with three tokens
// ({{uuid}}, {{now}}, {{seq}}), compiled once and rendered per message as the player does,
// against the same message built by hand-written string concatenation in the same run.
//
//   npx tsup && node bench/template.bench.mjs
//
// Env: BENCH_TEMPLATE_RENDERS (per sample, default 200000), BENCH_TEMPLATE_SAMPLES (default 15),
// MOCKFORGE_WS_BENCH_ENTRY.
// Writes bench/results/template.json.
import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { ratio, round, summarize } from './lib/stats.mjs'
import { envNumber, loadLibrary, writeResults } from './lib/results.mjs'
import { fmtInt, fmtRatio, fmtSpread, printTable } from './lib/table.mjs'

const RENDERS = envNumber('BENCH_TEMPLATE_RENDERS', 200_000)
const SAMPLES = envNumber('BENCH_TEMPLATE_SAMPLES', 15)
const TOKENS = 3
const TEMPLATE = '{"type":"event","id":"{{uuid}}","at":"{{now}}","seq":{{seq}}}'
const TARGET_TOKENS_PER_SECOND = 1_000_000

const { compileTemplate, createTemplateContext, expandTokens } = await loadLibrary('template')

const compiled = compileTemplate(TEMPLATE)
const unseeded = createTemplateContext()
const seeded = createTemplateContext({ seed: 42 })
const expandCtx = { ...createTemplateContext(), nextSeq: unseeded.nextSeq }
let handSeq = 0

const cases = [
  {
    key: 'handWritten',
    label: 'baseline: string concatenation (randomUUID, toISOString, ++seq)',
    render: () => `{"type":"event","id":"${randomUUID()}","at":"${new Date(Date.now()).toISOString()}","seq":${++handSeq}}`,
  },
  { key: 'compiled', label: 'compileTemplate(t).render(ctx)', render: () => compiled.render(unseeded) },
  { key: 'seeded', label: 'render(ctx) with seed: 42 (reproducible uuids)', render: () => compiled.render(seeded) },
  { key: 'expandTokens', label: 'expandTokens(t, ctx) (cached compile)', render: () => expandTokens(TEMPLATE, expandCtx) },
]

// The output must be the same shape as the baseline's, or the comparison means nothing.
const shape = (s) => s.replace(/[0-9a-f-]{36}/, 'U').replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/, 'T').replace(/\d+}$/, 'N}')
for (const c of cases) {
  if (shape(c.render()) !== shape(cases[0].render())) throw new Error(`${c.label} renders ${c.render()}, not the baseline's shape`)
}

let sink = 0
function sample(c) {
  const start = performance.now()
  for (let i = 0; i < RENDERS; i++) sink += c.render().length
  return (RENDERS * TOKENS) / ((performance.now() - start) / 1000)
}

for (const c of cases) sample(c) // warm-up: JIT and the uuid entropy cache
const rates = Object.fromEntries(cases.map((c) => [c.key, []]))
for (let s = 0; s < SAMPLES; s++) {
  for (let k = 0; k < cases.length; k++) {
    const c = cases[(s + k) % cases.length]
    rates[c.key].push(sample(c))
  }
}
if (sink === 0) throw new Error('nothing rendered')

const stats = Object.fromEntries(cases.map((c) => [c.key, summarize(rates[c.key])]))
const base = stats.handWritten
printTable(
  [
    ['case', 'tokens/s (median)', 'spread', 'ns/message', 'vs hand-written'],
    ...cases.map((c) => {
      const s = stats[c.key]
      return [c.label, fmtInt(s.median), fmtSpread(s.spread), Math.round((1e9 * TOKENS) / s.median), fmtRatio(s.median / base.median)]
    }),
  ],
  { title: `template rendering: ${TEMPLATE} (${TOKENS} tokens), ${SAMPLES} samples × ${fmtInt(RENDERS)} renders` },
)

const r = ratio(stats.compiled, base, true)
const roundAll = (s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round(v, 1)]))
writeResults('template', {
  template: TEMPLATE,
  tokensPerMessage: TOKENS,
  rendersPerSample: RENDERS,
  samples: SAMPLES,
  tokensPerSecond: Object.fromEntries(cases.map((c) => [c.key, { label: c.label, ...roundAll(stats[c.key]) }])),
  ratios: Object.fromEntries(cases.map((c) => [c.key, round(stats[c.key].median / base.median)])),
  summary: [
    {
      metric: 'template: tokens/s, 3-token message (compiled)',
      value: fmtInt(stats.compiled.median),
      baseline: `${fmtInt(base.median)} (hand-written)`,
      ratio: round(r.ratio),
      target: `≥ ${fmtInt(TARGET_TOKENS_PER_SECOND)} tokens/s`,
      met: stats.compiled.median >= TARGET_TOKENS_PER_SECOND,
    },
    {
      metric: 'template: tokens/s, seeded context',
      value: fmtInt(stats.seeded.median),
      baseline: `${fmtInt(base.median)} (hand-written)`,
      ratio: round(stats.seeded.median / base.median),
      target: `≥ ${fmtInt(TARGET_TOKENS_PER_SECOND)} tokens/s`,
      met: stats.seeded.median >= TARGET_TOKENS_PER_SECOND,
    },
  ],
})
