// Echo throughput: small text frames pipelined by 1 and by 32 clients through a mockWs() echo
// server with its transcript on (the default), against a raw `ws` echo server in the same run.
// The clients run in a child process (bench/lib/client-worker.mjs) so this process is the server
// alone; its CPU time per echoed message is reported next to the rate, because on a 2-core
// machine the clients can be the bottleneck and hide part of a server's cost.
//
//   npx tsup && node bench/echo.bench.mjs
//
// Env: BENCH_ECHO_MESSAGES (per round, spread over the clients, default 50000),
// BENCH_ECHO_ROUNDS (default 7), BENCH_ECHO_CLIENTS (client counts, default "1,32"), MOCKFORGE_WS_BENCH_ENTRY.
// Writes bench/results/echo.json.
import { once } from 'node:events'
import { WebSocketServer } from 'ws'
import { startClientProcess } from './lib/client-process.mjs'
import { ratio, round, summarize } from './lib/stats.mjs'
import { envNumber, loadLibrary, writeResults } from './lib/results.mjs'
import { fmtInt, fmtRatio, fmtSpread, printTable } from './lib/table.mjs'

const MESSAGES = envNumber('BENCH_ECHO_MESSAGES', 50_000)
const ROUNDS = envNumber('BENCH_ECHO_ROUNDS', 7)
const CLIENT_COUNTS = (process.env.BENCH_ECHO_CLIENTS ?? '1,32').split(',').map(Number)
const PAYLOAD = '{"type":"tick","symbol":"ACME","price":101.25}'
const TARGET_VS_RAW = 0.85

const { mockWs } = await loadLibrary('echo')

async function rawServer() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/ws' })
  await once(wss, 'listening')
  wss.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })))
  return {
    url: `ws://127.0.0.1:${wss.address().port}/ws`,
    close: () => new Promise((resolve) => wss.close(resolve)),
    check: () => undefined,
  }
}

async function mockServer(options) {
  const ws = await mockWs(options)
  return {
    url: ws.url,
    close: () => ws.close(),
    // The figure only counts if the mock really recorded every frame both ways.
    check: () => {
      const frames = ws.transcript.length + ws.metrics.transcriptDropped
      if (frames < 2 * MESSAGES) throw new Error(`transcript holds ${frames} frames, expected ≥ ${2 * MESSAGES}`)
    },
  }
}

const cases = [
  { key: 'rawWs', label: 'raw ws echo', start: rawServer },
  { key: 'mockWs', label: 'mockWs() (transcript + metrics on)', start: () => mockServer() },
  { key: 'mockWsNoTelemetry', label: 'mockWs({ telemetry: false })', start: () => mockServer({ telemetry: false }) },
]

const clients = await startClientProcess()
const results = {}
try {
  for (const clientCount of CLIENT_COUNTS) {
    const rates = Object.fromEntries(cases.map((c) => [c.key, []]))
    const cpuPerMsg = Object.fromEntries(cases.map((c) => [c.key, []]))
    const round1 = async (c) => {
      const server = await c.start()
      try {
        const cpu = process.cpuUsage()
        const { elapsedMs } = await clients.call('echo', { url: server.url, clients: clientCount, messages: MESSAGES, payload: PAYLOAD })
        const used = process.cpuUsage(cpu)
        server.check()
        return { rate: MESSAGES / (elapsedMs / 1000), cpuNs: ((used.user + used.system) * 1000) / MESSAGES }
      } finally {
        await server.close()
      }
    }
    for (const c of cases) await round1(c) // warm-up, not recorded
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < cases.length; k++) {
        const c = cases[(r + k) % cases.length]
        const { rate, cpuNs } = await round1(c)
        rates[c.key].push(rate)
        cpuPerMsg[c.key].push(cpuNs)
      }
    }
    results[clientCount] = Object.fromEntries(
      cases.map((c) => [c.key, { label: c.label, rate: summarize(rates[c.key]), serverCpuNsPerMessage: summarize(cpuPerMsg[c.key]) }]),
    )
  }
} finally {
  await clients.stop()
}

const rows = [['clients', 'server', 'msgs/s (median)', 'spread', 'vs raw ws', 'server CPU/msg', 'CPU vs raw ws']]
for (const clientCount of CLIENT_COUNTS) {
  const r = results[clientCount]
  for (const c of cases) {
    const s = r[c.key]
    rows.push([
      clientCount,
      c.label,
      fmtInt(s.rate.median),
      fmtSpread(s.rate.spread),
      fmtRatio(s.rate.median / r.rawWs.rate.median),
      `${fmtInt(s.serverCpuNsPerMessage.median)} ns`,
      fmtRatio(s.serverCpuNsPerMessage.median / r.rawWs.serverCpuNsPerMessage.median),
    ])
  }
}
printTable(rows, { title: `echo throughput: ${MESSAGES} × ${PAYLOAD.length}-byte text frames pipelined per round, ${ROUNDS} rounds, clients in a child process` })

const summary = []
const ratios = {}
for (const clientCount of CLIENT_COUNTS) {
  const r = results[clientCount]
  const q = ratio(r.mockWs.rate, r.rawWs.rate, true)
  ratios[`clients${clientCount}`] = {
    mockWsVsRawWs: round(q.ratio),
    mockWsVsRawWsRange: [round(q.low), round(q.high)],
    noTelemetryVsRawWs: round(r.mockWsNoTelemetry.rate.median / r.rawWs.rate.median),
    serverCpuPerMessageVsRawWs: round(r.mockWs.serverCpuNsPerMessage.median / r.rawWs.serverCpuNsPerMessage.median),
  }
  summary.push({
    metric: `echo, ${clientCount} client${clientCount === 1 ? '' : 's'}: mockWs() vs raw ws (msgs/s)`,
    value: fmtInt(r.mockWs.rate.median),
    baseline: fmtInt(r.rawWs.rate.median),
    ratio: round(q.ratio),
    target: `≥ ${TARGET_VS_RAW.toFixed(2)}×`,
    met: q.ratio >= TARGET_VS_RAW,
  })
}

const roundAll = (s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round(v, 4)]))
writeResults('echo', {
  messagesPerRound: MESSAGES,
  payloadBytes: PAYLOAD.length,
  rounds: ROUNDS,
  results: Object.fromEntries(
    CLIENT_COUNTS.map((n) => [
      `clients${n}`,
      Object.fromEntries(
        cases.map((c) => [c.key, { label: c.label, msgsPerSecond: roundAll(results[n][c.key].rate), serverCpuNsPerMessage: roundAll(results[n][c.key].serverCpuNsPerMessage) }]),
      ),
    ]),
  ),
  ratios,
  summary,
})
