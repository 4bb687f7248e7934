// Echo cost: text frames pipelined by 1 and by 8 clients through a mockWs() echo server with its
// defaults (transcript and metrics on), against raw `ws` echo servers in the same run. The
// headline is the SERVER's CPU time per echoed message: the clients run in a process of their own
// (bench/lib/client-worker.mjs) and every server kind runs in a process of its own too (this file,
// started with `serve KIND`), so one kind's garbage is never collected during another kind's
// rounds. Client msgs/s is reported beside it; it is the client process's limit as much as the
// server's and swings from run to run on a 2-core machine.
//
// Baselines, both raw `ws` WebSocketServers:
//   raw ws, decoding text   decodes every text frame to a string and sends the string back: the
//                           work the mock's default echo does (its messages are strings). The
//                           target is held against this one.
//   raw ws, Buffer echo     sends the received Buffer back untouched: the least any ws server does.
//
//   npx tsup && node bench/echo.bench.mjs
//
// Run time is bounded: short rounds (10,000 frames at 32 B, 2,500 at 4 KiB), many of them, in
// rotating order, and a time budget: once a configuration has used its share of
// BENCH_ECHO_BUDGET_S it stops after the current set of rounds (at least MIN_ROUNDS). Every round
// has a timeout; a round that does not finish ends the bench with a message naming the kind.
//
// Env: BENCH_ECHO_MESSAGES (per round at 32 B, default 10000; 4 KiB rounds send a quarter),
// BENCH_ECHO_ROUNDS (rounds per kind, default 9), BENCH_ECHO_BUDGET_S (seconds for all the timed
// rounds, default 75), BENCH_ECHO_CLIENTS (default "1,8"), BENCH_ECHO_SIZES (bytes, default
// "32,4096"), BENCH_ECHO_CPU_PROF (a directory: every server process runs with --cpu-prof and
// writes its profile to DIR/KIND; summarize with bench/lib/cpuprofile-top.mjs), MOCKFORGE_WS_BENCH_ENTRY.
// Writes bench/results/echo.json.
import { once } from 'node:events'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { WebSocketServer } from 'ws'
import { serveCommands, startBenchProcess } from './lib/client-process.mjs'

const LARGE_FROM_BYTES = 1024
/** Fewest timed rounds per kind, whatever the budget says. */
const MIN_ROUNDS = 3
/** Longest one round may take (start, echo, end) before the bench gives up on it. */
const ROUND_TIMEOUT_MS = 30_000

if (process.argv[2] === 'serve') await serve(process.argv[3])
else await main()

/** A JSON text frame of exactly `bytes` bytes. */
function payloadOf(bytes) {
  const head = '{"type":"tick","pad":"'
  const tail = '"}'
  return head + 'x'.repeat(Math.max(0, bytes - head.length - tail.length)) + tail
}

// ---------------------------------------------------------------------------------------------
// Server child: one kind, a fresh server per round, CPU time measured around each round.

async function serve(kind) {
  const { loadLibrary } = await import('./lib/results.mjs')
  const { mockWs } = kind.startsWith('mockWs') ? await loadLibrary('echo') : {}
  let current
  async function start({ expectFrames }) {
    if (kind === 'rawText' || kind === 'rawBuffer') {
      const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/ws' })
      await once(wss, 'listening')
      wss.on('connection', (socket) =>
        socket.on(
          'message',
          kind === 'rawText'
            ? (data, isBinary) => socket.send(isBinary ? data : data.toString('utf8'), { binary: isBinary })
            : (data, isBinary) => socket.send(data, { binary: isBinary }),
        ),
      )
      current = { url: `ws://127.0.0.1:${wss.address().port}/ws`, close: () => new Promise((resolve) => wss.close(resolve)), check: () => undefined }
    } else {
      const ws = await mockWs(kind === 'mockWsNoTelemetry' ? { telemetry: false } : undefined)
      current = {
        url: ws.url,
        close: () => ws.close(),
        // The figure only counts if the mock really recorded every frame both ways.
        check: () => {
          const frames = ws.transcript.length + ws.metrics.transcriptDropped
          if (frames < expectFrames) throw new Error(`transcript holds ${frames} frames, expected ≥ ${expectFrames}`)
        },
      }
    }
    return { url: current.url }
  }
  let cpu
  const commands = {
    start,
    begin: () => {
      cpu = process.cpuUsage()
      return {}
    },
    end: async () => {
      const used = process.cpuUsage(cpu)
      current.check()
      await current.close()
      return { cpuMicros: used.user + used.system, rss: process.memoryUsage().rss }
    },
  }
  serveCommands(commands)
}

// ---------------------------------------------------------------------------------------------
// Orchestrator.

async function main() {
  const { startClientProcess } = await import('./lib/client-process.mjs')
  const { ratio, round, summarize } = await import('./lib/stats.mjs')
  const { envNumber, writeResults } = await import('./lib/results.mjs')
  const { fmtInt, fmtRatio, fmtSpread, printTable } = await import('./lib/table.mjs')

  const MESSAGES = envNumber('BENCH_ECHO_MESSAGES', 10_000)
  const ROUNDS = envNumber('BENCH_ECHO_ROUNDS', 9)
  const BUDGET_MS = envNumber('BENCH_ECHO_BUDGET_S', 75) * 1000
  const CLIENT_COUNTS = (process.env.BENCH_ECHO_CLIENTS ?? '1,8').split(',').map(Number)
  const SIZES = (process.env.BENCH_ECHO_SIZES ?? '32,4096').split(',').map(Number)
  const TARGET_CPU_VS_RAW = 1.15

  const kinds = [
    { key: 'rawText', label: 'raw ws, decoding text (baseline)' },
    { key: 'rawBuffer', label: 'raw ws, Buffer echo' },
    { key: 'mockWs', label: 'mockWs() defaults (transcript + metrics)' },
    { key: 'mockWsNoTelemetry', label: 'mockWs({ telemetry: false })' },
  ]
  const self = fileURLToPath(import.meta.url)
  const started = performance.now()
  const configs = []
  const servers = {}
  let clients
  try {
    // One at a time: four Node processes importing the library at once only fight for two cores.
    const profileDir = process.env.BENCH_ECHO_CPU_PROF
    for (const k of kinds) {
      const execArgv = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}/${k.key}`] : []
      servers[k.key] = await startBenchProcess(self, { args: ['serve', k.key], execArgv, label: `the echo server process (${k.label})`, timeoutMs: ROUND_TIMEOUT_MS })
    }
    clients = await startClientProcess({ timeoutMs: ROUND_TIMEOUT_MS })
    const plan = SIZES.flatMap((bytes) => CLIENT_COUNTS.map((clientCount) => ({ bytes, clientCount })))
    for (const [index, { bytes, clientCount }] of plan.entries()) {
      const messages = bytes >= LARGE_FROM_BYTES ? Math.ceil(MESSAGES / 4) : MESSAGES
      const payload = payloadOf(bytes)
      const samples = Object.fromEntries(kinds.map((k) => [k.key, { rate: [], cpuNs: [] }]))
      const round1 = async (kind) => {
        const server = servers[kind.key]
        const { url } = await server.call('start', { expectFrames: 2 * messages })
        await server.call('begin')
        const { elapsedMs } = await clients.call('echo', { url, clients: clientCount, messages, payload, timeoutMs: ROUND_TIMEOUT_MS - 1000 })
        const { cpuMicros } = await server.call('end')
        return { rate: messages / (elapsedMs / 1000), cpuNs: (cpuMicros * 1000) / messages }
      }
      // Warm-up, not recorded: twice for the first configuration (cold JIT), once after.
      for (let w = 0; w < (index === 0 ? 2 : 1); w++) for (const k of kinds) await round1(k)
      // This configuration's share of what is left of the budget.
      const deadline = performance.now() + (BUDGET_MS - (performance.now() - started)) / (plan.length - index)
      let rounds = 0
      while (rounds < ROUNDS && (rounds < MIN_ROUNDS || performance.now() < deadline)) {
        for (let i = 0; i < kinds.length; i++) {
          const k = kinds[(rounds + i) % kinds.length]
          const { rate, cpuNs } = await round1(k)
          samples[k.key].rate.push(rate)
          samples[k.key].cpuNs.push(cpuNs)
        }
        rounds++
      }
      configs.push({
        bytes,
        clients: clientCount,
        messages,
        rounds,
        stats: Object.fromEntries(kinds.map((k) => [k.key, { rate: summarize(samples[k.key].rate), cpuNs: summarize(samples[k.key].cpuNs) }])),
      })
    }
  } finally {
    await clients?.stop()
    await Promise.all(Object.values(servers).map((s) => s.stop()))
  }
  const seconds = (performance.now() - started) / 1000

  const rows = [['size', 'clients', 'rounds', 'server', 'server CPU/msg', 'spread', 'CPU vs raw text', 'CPU vs raw Buffer', 'client msgs/s', 'msgs/s vs raw text']]
  for (const c of configs) {
    const base = c.stats.rawText
    for (const k of kinds) {
      const s = c.stats[k.key]
      rows.push([
        `${c.bytes} B`,
        c.clients,
        c.rounds,
        k.label,
        `${fmtInt(s.cpuNs.median)} ns`,
        fmtSpread(s.cpuNs.spread),
        fmtRatio(s.cpuNs.median / base.cpuNs.median),
        fmtRatio(s.cpuNs.median / c.stats.rawBuffer.cpuNs.median),
        fmtInt(s.rate.median),
        fmtRatio(s.rate.median / base.rate.median),
      ])
    }
  }
  printTable(rows, { title: `echo: text frames pipelined per round (${fmtInt(MESSAGES)} at 32 B, a quarter at 4 KiB), medians of interleaved rounds; every server kind and the clients in processes of their own; ${seconds.toFixed(1)} s` })

  const summary = configs.map((c) => {
    const q = ratio(c.stats.mockWs.cpuNs, c.stats.rawText.cpuNs, false)
    return {
      metric: `echo ${c.bytes} B, ${c.clients} client${c.clients === 1 ? '' : 's'}: server CPU/msg, mockWs() vs raw ws decoding text`,
      value: `${fmtInt(c.stats.mockWs.cpuNs.median)} ns`,
      baseline: `${fmtInt(c.stats.rawText.cpuNs.median)} ns (Buffer echo ${fmtInt(c.stats.rawBuffer.cpuNs.median)} ns)`,
      ratio: round(q.ratio),
      target: `≤ ${TARGET_CPU_VS_RAW.toFixed(2)}×`,
      met: q.ratio <= TARGET_CPU_VS_RAW,
    }
  })
  const roundAll = (s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round(v, 4)]))
  writeResults('echo', {
    maxRounds: ROUNDS,
    seconds: round(seconds, 1),
    baseline: 'rawText',
    kinds: Object.fromEntries(kinds.map((k) => [k.key, k.label])),
    configs: configs.map((c) => ({
      bytes: c.bytes,
      clients: c.clients,
      messagesPerRound: c.messages,
      rounds: c.rounds,
      serverCpuVsRawText: round(c.stats.mockWs.cpuNs.median / c.stats.rawText.cpuNs.median),
      serverCpuVsRawBuffer: round(c.stats.mockWs.cpuNs.median / c.stats.rawBuffer.cpuNs.median),
      clientRateVsRawText: round(c.stats.mockWs.rate.median / c.stats.rawText.rate.median),
      results: Object.fromEntries(kinds.map((k) => [k.key, { serverCpuNsPerMessage: roundAll(c.stats[k.key].cpuNs), clientMsgsPerSecond: roundAll(c.stats[k.key].rate) }])),
    })),
    summary,
  })
}
