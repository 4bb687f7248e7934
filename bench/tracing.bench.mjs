// Echo throughput of a mockWs() server with tracing off and on, against a raw `ws` echo server
// measured in the same run, plus the per-call cost of the telemetry observer's message hook.
//
//   npm run build && node bench/tracing.bench.mjs
//
// Env: BENCH_MESSAGES (default 20000), BENCH_ROUNDS (default 5), BENCH_HOOK_CALLS (default 1e6),
// MOCKFORGE_WS_BENCH_ENTRY (module to import instead of ../dist/index.js).
// Writes bench/results/tracing.json.
import { once } from 'node:events'
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { context, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { WebSocket, WebSocketServer } from 'ws'

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const HOOK_CALLS = Number(process.env.BENCH_HOOK_CALLS ?? 1_000_000)
const PAYLOAD = '{"type":"tick","price":101.25}'
const ENTRY = process.env.MOCKFORGE_WS_BENCH_ENTRY ?? new URL('../dist/index.js', import.meta.url).href
const RESULTS_FILE = fileURLToPath(new URL('./results/tracing.json', import.meta.url))

const lib = await import(ENTRY)
const { mockWs, createTelemetryObserver } = lib
if (typeof mockWs !== 'function') {
  throw new Error(`Failed to run the tracing bench: ${ENTRY} exports no mockWs. Run \`npm run build\` first.`)
}

const exporter = new InMemorySpanExporter()
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })

function tracingOn(tracerProvider = provider) {
  trace.setGlobalTracerProvider(tracerProvider)
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
}

function tracingOff() {
  trace.disable()
  context.disable()
}

/** Pipelines MESSAGES small text frames over one client and resolves msgs/s once all echoes are back. */
async function echoThroughput(url) {
  const client = new WebSocket(url)
  await once(client, 'open')
  let received = 0
  const allBack = new Promise((resolve) => {
    client.on('message', () => {
      if (++received === MESSAGES) resolve()
    })
  })
  const start = performance.now()
  for (let i = 0; i < MESSAGES; i++) client.send(PAYLOAD)
  await allBack
  const elapsedMs = performance.now() - start
  const closed = once(client, 'close')
  client.close(1000)
  await closed
  return MESSAGES / (elapsedMs / 1000)
}

async function rawWsRound() {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  await once(server, 'listening')
  server.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }))
  })
  try {
    return await echoThroughput(`ws://127.0.0.1:${server.address().port}`)
  } finally {
    await new Promise((resolve) => server.close(resolve))
  }
}

async function mockRound() {
  const mock = await mockWs()
  try {
    return await echoThroughput(mock.url)
  } finally {
    await mock.close()
  }
}

const cases = {
  'raw ws echo': () => rawWsRound(),
  'mockWs, no tracer provider': () => mockRound(),
  'mockWs, SDK + in-memory exporter': async () => {
    tracingOn()
    try {
      return await mockRound()
    } finally {
      tracingOff()
    }
  },
}
const names = Object.keys(cases)
const samples = Object.fromEntries(names.map((n) => [n, []]))
let spansPerRound = 0

// One unrecorded warm-up round per case, then rounds in rotating order so drift of a noisy
// machine spreads over every case instead of favouring whichever runs first.
for (const name of names) await cases[name]()
exporter.reset()
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < names.length; i++) {
    const name = names[(round + i) % names.length]
    samples[name].push(await cases[name]())
  }
  spansPerRound = Math.max(spansPerRound, exporter.getFinishedSpans().length)
  exporter.reset()
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

const medians = Object.fromEntries(names.map((n) => [n, median(samples[n])]))
const raw = medians[names[0]]
const off = medians[names[1]]
const on = medians[names[2]]

// Per-call cost of the observer's message hook, measured without sockets so it is not lost in
// their noise: what a frame costs the engine for spans + metrics.
async function hookCost() {
  if (typeof createTelemetryObserver !== 'function') return undefined
  const measure = () => {
    const observer = createTelemetryObserver()
    const conn = { id: 1, path: '/ws', url: '/ws', headers: {}, protocol: '', request: undefined }
    observer.connectionOpened(conn)
    for (let i = 0; i < HOOK_CALLS / 10; i++) observer.message(conn, 'in', 32, false)
    const start = performance.now()
    for (let i = 0; i < HOOK_CALLS; i++) observer.message(conn, 'in', 32, false)
    const nsPerCall = ((performance.now() - start) * 1e6) / HOOK_CALLS
    observer.connectionClosed(conn, 1000, '')
    return nsPerCall
  }
  const offNs = measure()
  // Spans are created and recorded but handed to no processor: a million of them in the
  // in-memory exporter would measure the heap, not the hook.
  const bare = new BasicTracerProvider()
  tracingOn(bare)
  const onNs = measure()
  tracingOff()
  await bare.shutdown()
  return { noProviderNsPerCall: offNs, sdkNsPerCall: onNs }
}
const hook = await hookCost()
await provider.shutdown()

const rows = names.map((name) => ({
  case: name,
  'msgs/s (median)': Math.round(medians[name]),
  'vs raw ws': (medians[name] / raw).toFixed(3),
  'min..max': `${Math.round(Math.min(...samples[name]))}..${Math.round(Math.max(...samples[name]))}`,
}))
console.log(`echo ${MESSAGES} x ${PAYLOAD.length}-byte text frames, ${ROUNDS} rounds, node ${process.version}, ${os.cpus().length} CPUs`)
console.table(rows)
console.log(`tracing on / off: ${(on / off).toFixed(3)}  (${((1 / on - 1 / off) * 1e6).toFixed(2)} µs extra per echoed message)`)
console.log(`spans exported per traced round: ${spansPerRound} (expected ${2 * MESSAGES + 1})`)
if (spansPerRound === 0) {
  console.log('WARNING: mockWs() created no spans: the telemetry observer is not wired into the engine of this build.')
}
if (hook) {
  console.log(
    `observer.message(): ${hook.noProviderNsPerCall.toFixed(0)} ns/call without a provider, ${hook.sdkNsPerCall.toFixed(0)} ns/call with the SDK (no span processor)`,
  )
}

mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true })
writeFileSync(
  RESULTS_FILE,
  `${JSON.stringify(
    {
      bench: 'tracing',
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      entry: ENTRY.startsWith('file:') ? fileURLToPath(ENTRY) : ENTRY,
      messages: MESSAGES,
      payloadBytes: PAYLOAD.length,
      rounds: ROUNDS,
      msgsPerSecond: Object.fromEntries(names.map((n) => [n, { median: medians[n], samples: samples[n] }])),
      ratios: { noProviderVsRaw: off / raw, sdkVsRaw: on / raw, sdkVsNoProvider: on / off },
      extraMicrosPerMessageWithSdk: (1 / on - 1 / off) * 1e6,
      spansExportedPerTracedRound: spansPerRound,
      observerMessageHook: hook ?? null,
    },
    null,
    2,
  )}\n`,
)
console.log(`wrote ${RESULTS_FILE}`)
