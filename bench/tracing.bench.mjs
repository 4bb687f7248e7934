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
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
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

// Two SDK setups: SimpleSpanProcessor exports every span synchronously as it ends (what tests
// use to assert on spans); BatchSpanProcessor queues them (what a service uses in production).
const simpleExporter = new InMemorySpanExporter()
const simpleProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(simpleExporter)] })
const batchExporter = new InMemorySpanExporter()
const batchProvider = new BasicTracerProvider({
  // A queue large enough for a whole round, so the batch case measures export, not dropped spans.
  spanProcessors: [new BatchSpanProcessor(batchExporter, { maxQueueSize: 2 * MESSAGES + 16, maxExportBatchSize: 512 })],
})

function tracingOn(tracerProvider) {
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

async function mockRound(options) {
  const mock = await mockWs(options)
  try {
    return await echoThroughput(mock.url)
  } finally {
    await mock.close()
  }
}

const cases = {
  'raw ws echo': () => rawWsRound(),
  'mockWs, telemetry: false': () => mockRound({ telemetry: false }),
  'mockWs, no tracer provider': () => mockRound(),
  'mockWs, SDK simple processor': () => tracedRound(simpleProvider),
  'mockWs, SDK batch processor': () => tracedRound(batchProvider),
}

async function tracedRound(tracerProvider) {
  tracingOn(tracerProvider)
  try {
    return await mockRound()
  } finally {
    tracingOff()
    // Outside the timed part: the batch processor exports in the background.
    await tracerProvider.forceFlush()
  }
}
const names = Object.keys(cases)
const samples = Object.fromEntries(names.map((n) => [n, []]))
const spansPerRound = { simple: 0, batch: 0 }

// One unrecorded warm-up round per case, then rounds in rotating order so drift of a noisy
// machine spreads over every case instead of favouring whichever runs first.
for (const name of names) await cases[name]()
simpleExporter.reset()
batchExporter.reset()
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < names.length; i++) {
    const name = names[(round + i) % names.length]
    samples[name].push(await cases[name]())
  }
  spansPerRound.simple = Math.max(spansPerRound.simple, simpleExporter.getFinishedSpans().length)
  spansPerRound.batch = Math.max(spansPerRound.batch, batchExporter.getFinishedSpans().length)
  simpleExporter.reset()
  batchExporter.reset()
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

const medians = Object.fromEntries(names.map((n) => [n, median(samples[n])]))
const raw = medians[names[0]]
const disabled = medians[names[1]]
const off = medians[names[2]]
const simple = medians[names[3]]
const batch = medians[names[4]]
const extraMicros = (traced) => (1 / traced - 1 / off) * 1e6

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
await simpleProvider.shutdown()
await batchProvider.shutdown()

const rows = names.map((name) => ({
  case: name,
  'msgs/s (median)': Math.round(medians[name]),
  'vs raw ws': (medians[name] / raw).toFixed(3),
  'min..max': `${Math.round(Math.min(...samples[name]))}..${Math.round(Math.max(...samples[name]))}`,
}))
console.log(`echo ${MESSAGES} x ${PAYLOAD.length}-byte text frames, ${ROUNDS} rounds, node ${process.version}, ${os.cpus().length} CPUs`)
console.table(rows)
console.log(`no provider / telemetry: false: ${(off / disabled).toFixed(3)}  (metrics + provider check only)`)
for (const [label, traced] of [['simple', simple], ['batch', batch]]) {
  console.log(
    `tracing on (${label}) / off: ${(traced / off).toFixed(3)}  (${extraMicros(traced).toFixed(2)} µs extra per echoed message, 2 spans)`,
  )
}
console.log(
  `spans exported per traced round: simple ${spansPerRound.simple}, batch ${spansPerRound.batch} (expected ${2 * MESSAGES + 1})`,
)
if (spansPerRound.simple === 0) {
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
      ratios: {
        telemetryDisabledVsRaw: disabled / raw,
        noProviderVsRaw: off / raw,
        noProviderVsTelemetryDisabled: off / disabled,
        sdkSimpleVsRaw: simple / raw,
        sdkSimpleVsNoProvider: simple / off,
        sdkBatchVsRaw: batch / raw,
        sdkBatchVsNoProvider: batch / off,
      },
      extraMicrosPerEchoedMessage: { sdkSimple: extraMicros(simple), sdkBatch: extraMicros(batch) },
      spansExportedPerTracedRound: spansPerRound,
      observerMessageHook: hook ?? null,
    },
    null,
    2,
  )}\n`,
)
console.log(`wrote ${RESULTS_FILE}`)
