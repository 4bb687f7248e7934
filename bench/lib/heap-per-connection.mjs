// What one idle connection keeps on the V8 heap, by constructor: a heap snapshot after 4 full GCs
// before and after N idle connections (opened from the bench client process), the difference of
// self sizes per (type, name) divided by N. Kinds: raw (ws echo), rawreq (ws echo that keeps each
// upgrade request), mock (mockWs() defaults), mocknotel (mockWs({ telemetry: false })).
//
//   npx tsup && node --expose-gc bench/lib/heap-per-connection.mjs mock 1000
//
// Self sizes include the socket's native wrapper, so totals are above heapUsed per connection.
import { writeHeapSnapshot } from 'node:v8'
import { readFileSync, rmSync } from 'node:fs'
import { once } from 'node:events'
import { WebSocketServer } from 'ws'
import { startClientProcess } from './client-process.mjs'
import { loadLibrary } from './results.mjs'
const [kind = 'mock', nStr] = process.argv.slice(2)
if (typeof globalThis.gc !== 'function') throw new Error('Failed to measure: run with node --expose-gc.')
const N = Number(nStr ?? 1000)
let url
const keep = []
if (kind === 'raw' || kind === 'rawreq' || kind === 'rawhead') {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/ws' })
  await once(wss, 'listening')
  wss.on('connection', (s, req) => { if (kind === 'rawreq') keep.push(req); s.on('message', (d, b) => s.send(d, { binary: b })) })
  url = `ws://127.0.0.1:${wss.address().port}/ws`
} else {
  const { mockWs } = await loadLibrary('heap-per-connection')
  const ws = await mockWs(kind === 'mocknotel' ? { telemetry: false } : undefined)
  url = ws.url
}
const clients = await startClientProcess()
await clients.call('hold', { url, count: 50 }); await clients.call('release', {})
await new Promise((r) => setTimeout(r, 300))
function agg() {
  for (let i = 0; i < 4; i++) globalThis.gc()
  const f = writeHeapSnapshot(`/tmp/perf-heap-${process.pid}-${Date.now()}.heapsnapshot`)
  const snap = JSON.parse(readFileSync(f, 'utf8')); rmSync(f)
  const fields = snap.snapshot.meta.node_fields, types = snap.snapshot.meta.node_types[0]
  const nf = fields.length, iType = fields.indexOf('type'), iName = fields.indexOf('name'), iSize = fields.indexOf('self_size')
  const m = new Map(); const nodes = snap.nodes
  for (let i = 0; i < nodes.length; i += nf) {
    const t = types[nodes[i + iType]]; let name = snap.strings[nodes[i + iName]]
    if (t === 'string' || t === 'concatenated string' || t === 'sliced string') name = '(string)'
    if (t === 'code') name = '(code)'
    const key = `${t}:${name.slice(0, 60)}`
    const e = m.get(key) ?? { n: 0, size: 0 }; e.n++; e.size += nodes[i + iSize]; m.set(key, e)
  }
  return m
}
const before = agg()
await clients.call('hold', { url, count: N })
await new Promise((r) => setTimeout(r, 500))
const after = agg()
const rows = []
let total = 0
for (const [k, v] of after) {
  const b = before.get(k) ?? { n: 0, size: 0 }
  const d = v.size - b.size, dn = v.n - b.n
  total += d
  if (Math.abs(d) / N >= 8) rows.push([k, (dn / N).toFixed(2), (d / N).toFixed(0)])
}
rows.sort((a, b) => Number(b[2]) - Number(a[2]))
console.log(`${kind}: total self size per connection ${(total / N).toFixed(0)} B`)
for (const r of rows.slice(0, 45)) console.log(r[2].padStart(6), 'B', r[1].padStart(6), 'objs', r[0])
await clients.call('release', {}); await clients.stop(); process.exit(0)
