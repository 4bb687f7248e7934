// AsyncAPI documents: what reading one costs. For each test document, in a fresh Node process:
// `cold` = the first loadAsyncApi() (imports @asyncapi/parser, sets up its rule engine, parses,
// extracts the channel); `warm` = the median of further parses of the same text in that process,
// as loadAsyncApi parses (without the parser's recommended rules) and with all its rules.
// Also the import time of the core (which must not load the parser) against core + parser.
//
//   npx tsup && node bench/asyncapi.bench.mjs
//
// Env: BENCH_ASYNCAPI_WARM (parses per document, default 5), MOCKFORGE_WS_BENCH_ENTRY.
// Writes bench/results/asyncapi.json.
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { envNumber, ENTRY, writeResults } from './lib/results.mjs'
import { printTable } from './lib/table.mjs'

const WARM = envNumber('BENCH_ASYNCAPI_WARM', 5)
const require = createRequire(import.meta.url)
const root = fileURLToPath(new URL('..', import.meta.url))
const validator = dirname(require.resolve('asyncapi-validator/package.json'))
const helpers = dirname(require.resolve('@asyncapi/generator-helpers/package.json'))
const documents = [
  { name: 'Slack RTM 2.0.0 (asyncapi-validator)', file: join(validator, 'test/schemas/v2.0.0/slack.yml'), channel: '/' },
  { name: 'Slack RTM 2.4.0 (asyncapi-validator)', file: join(validator, 'test/schemas/v2.4.0/slack.yml'), channel: '/' },
  { name: 'Gemini market data 3.0.0 (@asyncapi/generator-helpers)', file: join(helpers, 'test/__fixtures__/asyncapi-websocket-query.yml'), channel: 'marketDataV1' },
  { name: 'examples/asyncapi-market.yaml 3.0.0 (ours)', file: join(root, 'examples/asyncapi-market.yaml'), channel: 'market' },
]

function inChild(code) {
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' }))
}

const rows = []
for (const doc of documents) {
  const r = inChild(`
    import { readFileSync } from 'node:fs'
    const t0 = performance.now()
    const core = await import(${JSON.stringify(ENTRY)})
    const t1 = performance.now()
    await core.loadAsyncApi(${JSON.stringify(doc.file)}, { channel: ${JSON.stringify(doc.channel)} })
    const t2 = performance.now()
    const { Parser } = await import('@asyncapi/parser')
    const text = readFileSync(${JSON.stringify(doc.file)}, 'utf8')
    const median = async (parser) => {
      const times = []
      for (let i = 0; i < ${WARM}; i++) { const s = performance.now(); await parser.parse(text, { source: ${JSON.stringify(doc.file)} }); times.push(performance.now() - s) }
      return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]
    }
    // As loadAsyncApi parses (errors only: no recommended rules), and with the parser's default rules.
    const warm = await median(new Parser({ ruleset: { recommended: false } }))
    const warmDefault = await median(new Parser())
    console.log(JSON.stringify({ coreImport: t1 - t0, cold: t2 - t1, warm, warmDefault, bytes: text.length }))`)
  rows.push({ ...doc, ...r })
}

const imports = inChild(`
  const t0 = performance.now()
  await import(${JSON.stringify(ENTRY)})
  const t1 = performance.now()
  await import('@asyncapi/parser')
  const t2 = performance.now()
  console.log(JSON.stringify({ core: t1 - t0, parser: t2 - t1 }))`)

const ms = (v) => `${Math.round(v)} ms`
printTable(
  [
    ['document', 'size', 'first loadAsyncApi (parser import + parse)', `parse, warm (median of ${WARM})`, 'warm, parser defaults (all rules)'],
    ...rows.map((r) => [r.name, `${(r.bytes / 1024).toFixed(1)} KiB`, ms(r.cold), ms(r.warm), ms(r.warmDefault)]),
  ],
  { title: 'AsyncAPI document loading' },
)
printTable(
  [
    ['import', 'time'],
    ['mockforge-ws core (loads no parser)', ms(imports.core)],
    ['@asyncapi/parser, on top (only when asyncApi is used)', ms(imports.parser)],
  ],
  { title: 'import cost' },
)

writeResults('asyncapi', {
  documents: rows.map(({ name, bytes, cold, warm, warmDefault }) => ({ name, bytes, coldMs: Math.round(cold), warmMs: Math.round(warm), warmDefaultRulesMs: Math.round(warmDefault) })),
  imports: { coreMs: Math.round(imports.core), parserMs: Math.round(imports.parser) },
  summary: rows.map((r) => ({ metric: `asyncapi: parse ${r.name} (warm, vs all rules)`, value: ms(r.warm), baseline: ms(r.warmDefault), ratio: r.warm / r.warmDefault })),
})
