// Proxied echo throughput: a client pipelines small text frames through mockWs().proxy() to a
// `ws` echo upstream, against the same client talking to the same upstream directly, in the same
// run. The upstream and the client each run in a worker thread, so the proxy (this thread) has an
// event loop of its own, as it would in a test run. The figure is the ratio proxied / direct of
// the median rate over the rounds (goal >= 0.85).
//
//   npx tsup && node bench/proxy.bench.mjs
//
// Env: BENCH_PROXY_MESSAGES (per round, default 30000), BENCH_PROXY_ROUNDS (default 5),
// BENCH_PROXY_WINDOW (frames in flight per client, default 64), BENCH_PROXY_CLIENTS (default "1,8"),
// MOCKFORGE_WS_BENCH_ENTRY (module to import instead of ../dist/index.js).
// Writes bench/results/proxy.json.
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'

const MESSAGES = Number(process.env.BENCH_PROXY_MESSAGES ?? 30_000)
const ROUNDS = Number(process.env.BENCH_PROXY_ROUNDS ?? 5)
const WINDOW = Number(process.env.BENCH_PROXY_WINDOW ?? 64)
const CLIENT_COUNTS = (process.env.BENCH_PROXY_CLIENTS ?? '1,8').split(',').map(Number)
const PAYLOAD = '{"type":"tick","symbol":"ACME","price":101.25}'
const GOAL_RATIO = 0.85
const ENTRY = process.env.MOCKFORGE_WS_BENCH_ENTRY ?? new URL('../dist/index.js', import.meta.url).href
const RESULTS_FILE = fileURLToPath(new URL('./results/proxy.json', import.meta.url))

const { mockWs } = await import(ENTRY)
if (typeof mockWs !== 'function') {
  throw new Error(`Failed to run the proxy bench: ${ENTRY} exports no mockWs. Run \`npx tsup\` first.`)
}

// Resolved from this file so the workers find `ws` wherever the bench is run from.
const WS_URL = import.meta.resolve('ws')

const UPSTREAM = `
  const { parentPort } = require('node:worker_threads')
  import(${JSON.stringify(WS_URL)}).then(({ WebSocketServer }) => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false })
    wss.on('connection', (s) => s.on('message', (d, isBinary) => s.send(d, { binary: isBinary })))
    wss.on('listening', () => parentPort.postMessage(wss.address().port))
    parentPort.on('message', () => wss.close(() => process.exit(0)))
  })
`

// Each client keeps WINDOW frames in flight and stops after its share of MESSAGES echoes.
const CLIENT = `
  const { parentPort, workerData } = require('node:worker_threads')
  import(${JSON.stringify(WS_URL)}).then(async ({ default: WebSocket }) => {
    const { url, clients, messages, window, payload } = workerData
    const per = Math.ceil(messages / clients)
    const sockets = await Promise.all(Array.from({ length: clients }, () => new Promise((resolve, reject) => {
      const s = new WebSocket(url, { perMessageDeflate: false })
      s.once('open', () => resolve(s))
      s.once('error', reject)
    })))
    const start = performance.now()
    await Promise.all(sockets.map((s) => new Promise((resolve) => {
      let sent = 0
      let received = 0
      s.on('message', () => {
        received++
        if (received === per) resolve()
        else if (sent < per) { s.send(payload); sent++ }
      })
      for (; sent < Math.min(window, per); sent++) s.send(payload)
    })))
    const ms = performance.now() - start
    await Promise.all(sockets.map((s) => new Promise((resolve) => { s.once('close', resolve); s.close() })))
    parentPort.postMessage({ ms, messages: per * clients })
  })
`

function startUpstream() {
  const worker = new Worker(UPSTREAM, { eval: true })
  return new Promise((resolve) => {
    worker.once('message', (port) =>
      resolve({
        url: `ws://127.0.0.1:${port}/feed`,
        close: () => new Promise((done) => worker.once('exit', done).postMessage('stop')),
      }),
    )
  })
}

function runClients(url, clients) {
  const worker = new Worker(CLIENT, { eval: true, workerData: { url, clients, messages: MESSAGES, window: WINDOW, payload: PAYLOAD } })
  return new Promise((resolve, reject) => {
    worker.once('message', ({ ms, messages }) => resolve((messages / ms) * 1000))
    worker.once('error', reject)
  })
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

const upstream = await startUpstream()
const proxy = await mockWs().proxy(upstream.url)
const rows = []
try {
  for (const clients of CLIENT_COUNTS) {
    // Warm-up of both paths (JIT, socket buffers), then alternate so drift hits both alike.
    await runClients(upstream.url, clients)
    await runClients(proxy.url, clients)
    const direct = []
    const proxied = []
    for (let r = 0; r < ROUNDS; r++) {
      direct.push(await runClients(upstream.url, clients))
      proxied.push(await runClients(proxy.url, clients))
    }
    const d = median(direct)
    const p = median(proxied)
    rows.push({
      clients,
      directMsgsPerSec: Math.round(d),
      proxiedMsgsPerSec: Math.round(p),
      ratio: Math.round((p / d) * 1000) / 1000,
      directRounds: direct.map(Math.round),
      proxiedRounds: proxied.map(Math.round),
    })
  }
} finally {
  await proxy.close()
  await upstream.close()
}

console.log(`\nProxied vs direct echo throughput (${MESSAGES} messages/round, window ${WINDOW}, median of ${ROUNDS} rounds)\n`)
console.table(
  rows.map((r) => ({
    clients: r.clients,
    'direct msg/s': r.directMsgsPerSec,
    'proxied msg/s': r.proxiedMsgsPerSec,
    'proxied / direct': r.ratio,
    [`goal >= ${GOAL_RATIO}`]: r.ratio >= GOAL_RATIO ? 'met' : 'not met',
  })),
)

mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true })
writeFileSync(
  RESULTS_FILE,
  `${JSON.stringify(
    {
      bench: 'proxy',
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      messagesPerRound: MESSAGES,
      rounds: ROUNDS,
      window: WINDOW,
      payloadBytes: Buffer.byteLength(PAYLOAD),
      goalRatio: GOAL_RATIO,
      results: rows,
    },
    null,
    2,
  )}\n`,
)
console.log(`\nwritten to ${RESULTS_FILE}`)
