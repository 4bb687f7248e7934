// Soak: 1M echoes of a 32-byte text frame on ONE connection (the client keeps a window of frames in
// flight), against a raw `ws` server decoding text, each server in a fresh process of its own
// (this file, started with `serve KIND`) sampling its RSS every 100 ms. Reports the peak RSS of
// each and whether the mock's RSS stays flat: the largest sample of the last quarter of the run
// against the largest of the second quarter (the first is warm-up). With its defaults the mock
// keeps the newest 100,000 transcript frames and messages, so its RSS should level off, not climb.
//
//   npx tsup && node bench/soak.bench.mjs
//
// Env: BENCH_SOAK_MESSAGES (default 1000000), BENCH_SOAK_WINDOW (frames in flight, default 64),
// BENCH_SOAK_REPEATS (fresh processes per kind, default 1), BENCH_SOAK_DETAIL=1 (print the peak RSS, heap
// used and reserved, and external memory of each quarter of each run; results keep them; run with
// `node --expose-gc` to add the heap still used after a full GC at the end), BENCH_SOAK_MOCK_OPTIONS
// (JSON options for the mock, e.g. '{"maxTranscript":1000}', to see what the bounds cost), MOCKFORGE_WS_BENCH_ENTRY.
// Writes bench/results/soak.json.
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { WebSocketServer } from 'ws'

const SAMPLE_EVERY_MS = 100

if (process.argv[2] === 'serve') await serve(process.argv[3])
else await main()

// One sample: RSS and where it is (V8 heap used and reserved, external memory: Buffers and ArrayBuffers).
function memory() {
  const m = process.memoryUsage()
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external }
}

async function serve(kind) {
  let url
  if (kind === 'rawText') {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/ws' })
    await once(wss, 'listening')
    wss.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(isBinary ? data : data.toString('utf8'), { binary: isBinary })))
    url = `ws://127.0.0.1:${wss.address().port}/ws`
  } else {
    const { loadLibrary } = await import('./lib/results.mjs')
    const { mockWs } = await loadLibrary('soak')
    url = (await mockWs(process.env.BENCH_SOAK_MOCK_OPTIONS ? JSON.parse(process.env.BENCH_SOAK_MOCK_OPTIONS) : undefined)).url
  }
  const samples = []
  let timer
  process.on('message', (msg) => {
    if (msg.cmd === 'begin') {
      timer = setInterval(() => samples.push(memory()), SAMPLE_EVERY_MS)
      process.send({ id: msg.id, ok: true })
    } else if (msg.cmd === 'end') {
      clearInterval(timer)
      samples.push(memory())
      // Started with --expose-gc: what is still reachable after a full collection (the rest of the heap was garbage).
      globalThis.gc?.()
      process.send({ id: msg.id, ok: true, samples, liveHeap: globalThis.gc ? process.memoryUsage().heapUsed : undefined })
    }
  })
  process.send({ ready: true, url })
}

async function main() {
  const { startClientProcess } = await import('./lib/client-process.mjs')
  const { round, summarize } = await import('./lib/stats.mjs')
  const { envNumber, writeResults } = await import('./lib/results.mjs')
  const { fmtBytes, fmtInt, fmtRatio, printTable } = await import('./lib/table.mjs')
  const MESSAGES = envNumber('BENCH_SOAK_MESSAGES', 1_000_000)
  const WINDOW = envNumber('BENCH_SOAK_WINDOW', 64)
  const REPEATS = envNumber('BENCH_SOAK_REPEATS', 1)
  const TARGET_PEAK_VS_RAW = 1.5
  const TARGET_GROWTH = 1.1
  const PAYLOAD = '{"type":"tick","pad":"xxxxxxxx"}'
  const DETAIL = process.env.BENCH_SOAK_DETAIL === '1'

  async function runOnce(kind, clients) {
    const server = fork(fileURLToPath(import.meta.url), ['serve', kind], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    try {
      const [ready] = await once(server, 'message')
      const ask = (cmd) =>
        new Promise((resolve) => {
          server.once('message', resolve)
          server.send({ cmd, id: cmd })
        })
      await ask('begin')
      const { elapsedMs } = await clients.call('echoWindowed', { url: ready.url, messages: MESSAGES, payload: PAYLOAD, window: WINDOW })
      const { samples: memory, liveHeap } = await ask('end')
      const samples = memory.map((m) => m.rss)
      const q = Math.max(1, Math.floor(samples.length / 4))
      const second = Math.max(...samples.slice(q, 2 * q))
      const last = Math.max(...samples.slice(samples.length - q))
      // Peak of each field per quarter of the run: where the RSS goes over time (heap, external, the rest).
      const quarters = [0, 1, 2, 3].map((i) => {
        const part = memory.slice(i * q, i === 3 ? memory.length : (i + 1) * q)
        return Object.fromEntries(['rss', 'heapUsed', 'heapTotal', 'external'].map((f) => [f, Math.max(...part.map((m) => m[f]))]))
      })
      if (DETAIL && liveHeap) console.log(kind, `heap used after a full GC at the end: ${(liveHeap / 2 ** 20).toFixed(1)} MiB`)
      if (DETAIL) console.log(kind, quarters.map((x) => Object.entries(x).map(([f, v]) => `${f} ${(v / 2 ** 20).toFixed(1)}`).join(' ')).join('\n  '))
      return { elapsedMs, peakRss: Math.max(...samples), growth: last / second, samples: samples.length, quarters, liveHeap }
    } finally {
      const exited = once(server, 'exit')
      server.kill()
      await exited
    }
  }

  const kinds = [
    { key: 'rawText', label: 'raw ws, decoding text' },
    { key: 'mockWs', label: 'mockWs() defaults' },
  ]
  const clients = await startClientProcess()
  const runs = Object.fromEntries(kinds.map((k) => [k.key, []]))
  try {
    for (let r = 0; r < REPEATS; r++) for (const k of r % 2 ? [...kinds].reverse() : kinds) runs[k.key].push(await runOnce(k.key, clients))
  } finally {
    await clients.stop()
  }
  const stat = (key, field) => summarize(runs[key].map((x) => x[field])).median
  const peakRatio = stat('mockWs', 'peakRss') / stat('rawText', 'peakRss')
  const growth = stat('mockWs', 'growth')
  printTable(
    [
      ['server', 'peak RSS', 'last / second quarter', 'msgs/s', 'peak vs raw'],
      ...kinds.map((k) => [k.label, fmtBytes(stat(k.key, 'peakRss')), fmtRatio(stat(k.key, 'growth')), fmtInt(MESSAGES / (stat(k.key, 'elapsedMs') / 1000)), fmtRatio(stat(k.key, 'peakRss') / stat('rawText', 'peakRss'))]),
    ],
    { title: `soak: ${fmtInt(MESSAGES)} echoes on one connection, window ${WINDOW}, RSS sampled every ${SAMPLE_EVERY_MS} ms` },
  )
  writeResults('soak', {
    messages: MESSAGES,
    window: WINDOW,
    repeats: REPEATS,
    runs,
    ratios: { peakRss: round(peakRatio), growth: round(growth) },
    summary: [
      {
        metric: `soak: ${fmtInt(MESSAGES)} echoes on one connection, peak RSS`,
        value: fmtBytes(stat('mockWs', 'peakRss')),
        baseline: fmtBytes(stat('rawText', 'peakRss')),
        ratio: round(peakRatio),
        target: `≤ ${TARGET_PEAK_VS_RAW.toFixed(2)}×, last quarter ≤ ${TARGET_GROWTH.toFixed(2)}× second`,
        met: peakRatio <= TARGET_PEAK_VS_RAW && growth <= TARGET_GROWTH,
      },
    ],
  })
}
