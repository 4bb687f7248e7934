// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time,
// and optionally the total (inclusive) time of functions whose name or file matches a filter.
//
//   node bench/lib/cpuprofile-top.mjs PROFILE.cpuprofile [--top 30] [--match src/server]
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' }, match: { type: 'string' } },
})
const file = positionals[0]
if (!file) {
  console.error('usage: node bench/lib/cpuprofile-top.mjs PROFILE.cpuprofile [--top N] [--match TEXT]')
  process.exit(2)
}
const profile = JSON.parse(readFileSync(file, 'utf8'))
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)

// Self time per node from the sample stream: each sample's time goes to the node it landed in.
const selfUs = new Map()
const deltas = profile.timeDeltas ?? []
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]
  selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0))
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0)

const label = (n) => {
  const f = n.callFrame
  const where = f.url ? `${f.url.replace(/^file:\/\//, '').replace(process.cwd() + '/', '')}:${f.lineNumber + 1}` : ''
  return `${f.functionName || '(anonymous)'} ${where}`.trim()
}

const self = new Map()
for (const [id, us] of selfUs) {
  const key = label(byId.get(id))
  self.set(key, (self.get(key) ?? 0) + us)
}
const pct = (us) => `${((100 * us) / total).toFixed(1)}%`.padStart(6)
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`)
console.log('self time:')
for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) {
  console.log(`${pct(us)}  ${(us / 1000).toFixed(1).padStart(8)} ms  ${key}`)
}

if (values.match) {
  // Inclusive time: a sample counts once for every distinct matching function on its stack.
  const inclusive = new Map()
  for (const [id, us] of selfUs) {
    const seen = new Set()
    for (let n = id; n !== undefined; n = parent.get(n)) {
      const key = label(byId.get(n))
      if (!key.includes(values.match) || seen.has(key)) continue
      seen.add(key)
      inclusive.set(key, (inclusive.get(key) ?? 0) + us)
    }
  }
  console.log(`total time of functions matching "${values.match}":`)
  for (const [key, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) {
    console.log(`${pct(us)}  ${(us / 1000).toFixed(1).padStart(8)} ms  ${key}`)
  }
}
