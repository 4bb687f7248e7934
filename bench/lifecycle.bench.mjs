// Fixture lifecycle: start a server → a client connects → one message each way → close, timed
// end to end, the way a test uses a mock. Compared in the same run with a raw `ws`
// WebSocketServer doing the same steps, and with the in-memory fakes: MSW's `ws.link` (a
// `setupServer` per cycle, and one shared server with `use`/`resetHandlers` per cycle, the client
// being undici's WebSocket installed as the global, which MSW patches), jest-websocket-mock (its
// `WS` server and mock-socket's WebSocket client) and mock-socket alone. Wall time and this
// process's CPU time per cycle are both reported.
//
//   npx tsup && node bench/lifecycle.bench.mjs
//
// Env: BENCH_LIFECYCLE_RUNS (timed runs per case, default 500), BENCH_LIFECYCLE_WARMUP (default 50),
// MOCKFORGE_WS_BENCH_ENTRY (module to import instead of ../dist/index.js), BENCH_LIFECYCLE_PHASES=1 (after
// the table: where a cycle's wall time goes, phase by phase, for raw ws and mockWs(), and what each cycle
// creates: promises, timers, immediates, ticks; see docs/performance.md, "Lifecycle: where a cycle's time goes").
// Writes bench/results/lifecycle.json.
import { createHook } from 'node:async_hooks'
import { once } from 'node:events'
import { createRequire } from 'node:module'
import { performance } from 'node:perf_hooks'
import { WebSocket, WebSocketServer } from 'ws'
import { expect as standaloneExpect } from 'expect'
import { ws as mswWs } from 'msw'
import { setupServer } from 'msw/node'
import { WebSocket as UndiciWebSocket } from 'undici'
import { ratio, round, summarize } from './lib/stats.mjs'
import { envNumber, loadLibrary, writeResults } from './lib/results.mjs'
import { fmtMs, fmtRatio, fmtSpread, printTable } from './lib/table.mjs'

const RUNS = envNumber('BENCH_LIFECYCLE_RUNS', 500)
const WARMUP = envNumber('BENCH_LIFECYCLE_WARMUP', 50)
const TARGET_VS_RAW = 1.1
const TARGET_CPU_VS_RAW = 1.2
const TARGET_VS_MSW = 2

const { mockWs } = await loadLibrary('lifecycle')

// jest-websocket-mock registers its matchers with `expect.extend` when it loads, so it needs a
// global `expect`; Jest's own standalone `expect` package (a dependency of jest) is enough to load
// it outside Jest. The matchers are not used: `await server.nextMessage` is the documented
// equivalent of `await expect(server).toReceiveMessage(...)` without the assertion.
globalThis.expect = standaloneExpect
// Both fakes must share one mock-socket module instance (its in-memory "network" is a module
// singleton), so load them through the same require as jest-websocket-mock does.
const require = createRequire(import.meta.url)
const { default: JestWs } = require('jest-websocket-mock')
const mockSocket = require('mock-socket')

const HOST = '127.0.0.1'
let fakeUrlCounter = 0
const fakeUrl = () => `ws://localhost:1234/run-${++fakeUrlCounter}`

function nextMessageOf(client, expected) {
  return new Promise((resolve) => {
    const onMessage = (data) => {
      if (String(data) !== expected) return
      client.off('message', onMessage)
      resolve(String(data))
    }
    client.on('message', onMessage)
  })
}

// `mark(i)` ends phase i of a cycle (start, connect, in, out; close is the rest): a no-op in the timed runs.
const PHASES = ['start', 'connect', 'message in', 'message out', 'close']
const noMark = () => {}

// The default mock echoes every client message: the baseline's server does too, so both sides carry the same
// frames (the client's 'ping' comes back before the 'pong' it waits for).
function echo(data, isBinary) {
  this.send(data, { binary: isBinary })
}

/** The baseline: the same steps on a bare `ws` WebSocketServer, echoing like the default mock. */
async function rawWs(mark = noMark) {
  const wss = new WebSocketServer({ port: 0, host: HOST, path: '/ws' })
  await once(wss, 'listening')
  mark(0)
  const accepted = once(wss, 'connection')
  const client = new WebSocket(`ws://${HOST}:${wss.address().port}/ws`)
  await once(client, 'open')
  const [socket] = await accepted
  socket.on('message', echo)
  mark(1)
  const received = once(socket, 'message')
  client.send('ping')
  await received
  mark(2)
  const reply = nextMessageOf(client, 'pong')
  socket.send('pong')
  await reply
  mark(3)
  const clientClosed = once(client, 'close')
  socket.close(1001)
  await new Promise((resolve) => wss.close(resolve))
  await clientClosed
}

/** mockWs() driven through its imperative API, as in a test. */
async function mockImperative(mark = noMark) {
  const ws = await mockWs()
  mark(0)
  const client = new WebSocket(ws.url)
  await once(client, 'open')
  await ws.connected
  mark(1)
  client.send('ping')
  await ws.nextMessage()
  mark(2)
  // The default echo handler also sends 'ping' back; the client waits for 'pong'.
  const reply = nextMessageOf(client, 'pong')
  ws.send('pong')
  await reply
  mark(3)
  const clientClosed = once(client, 'close')
  await ws.close()
  await clientClosed
}

/** mockWs() with a declarative script: the builder compiles it and the player runs it per connection. */
async function mockScripted() {
  const ws = await mockWs().expect('ping').send('pong')
  const client = new WebSocket(ws.url)
  await once(client, 'open')
  const reply = nextMessageOf(client, 'pong')
  client.send('ping')
  await reply
  const clientClosed = once(client, 'close')
  await ws.close()
  await clientClosed
}

/** jest-websocket-mock: `WS` server + mock-socket client, its documented flow. */
async function jestWebsocketMock() {
  const url = fakeUrl()
  const server = new JestWs(url)
  const client = new mockSocket.WebSocket(url)
  await server.connected
  client.send('ping')
  await server.nextMessage
  const reply = new Promise((resolve) => (client.onmessage = (event) => resolve(event.data)))
  server.send('pong')
  await reply
  const closed = server.closed
  JestWs.clean()
  await closed
}

/** mock-socket alone: its Server and WebSocket. */
async function mockSocketAlone() {
  const url = fakeUrl()
  const server = new mockSocket.Server(url)
  const connected = new Promise((resolve) => server.on('connection', resolve))
  const client = new mockSocket.WebSocket(url)
  const socket = await connected
  const received = new Promise((resolve) => socket.on('message', resolve))
  client.send('ping')
  await received
  const reply = new Promise((resolve) => (client.onmessage = (event) => resolve(event.data)))
  socket.send('pong')
  await reply
  const closed = new Promise((resolve) => (client.onclose = resolve))
  server.close()
  await closed
  server.stop()
}

// MSW patches the global WebSocket when a server starts listening, and only if one exists: Node 20
// has none, so undici's (the one Node 22 ships as the global) is installed, as test/msw does.
globalThis.WebSocket ??= UndiciWebSocket
const MSW_URL = 'ws://msw.bench.invalid/ws'
const mswLink = mswWs.link(MSW_URL)
const mswHandler = () =>
  mswLink.addEventListener('connection', ({ client }) => {
    client.addEventListener('message', (event) => {
      if (event.data !== 'ping') return
      client.send('pong')
    })
  })

/** One MSW ws.link cycle on `server` (already listening): connect, ping → pong, the client closes. */
async function mswCycle() {
  const client = new globalThis.WebSocket(MSW_URL)
  await new Promise((resolve) => client.addEventListener('open', resolve, { once: true }))
  const reply = new Promise((resolve) => client.addEventListener('message', (e) => e.data === 'pong' && resolve()))
  client.send('ping')
  await reply
  const closed = new Promise((resolve) => client.addEventListener('close', resolve, { once: true }))
  client.close(1000)
  await closed
}

/** MSW, a setupServer() per cycle, as a test file with its own server per test would. */
async function mswPerCycle() {
  const server = setupServer(mswHandler())
  server.listen({ onUnhandledRequest: 'bypass' })
  try {
    await mswCycle()
  } finally {
    server.close()
  }
}

/** MSW, one server listening for a block of cycles; each cycle adds its handler with use() and resets. */
let sharedMsw
async function mswShared() {
  sharedMsw.use(mswHandler())
  try {
    await mswCycle()
  } finally {
    sharedMsw.resetHandlers()
  }
}

const cases = [
  { key: 'rawWs', label: 'raw ws WebSocketServer', run: rawWs, transport: 'loopback TCP' },
  { key: 'mockWs', label: 'mockWs() (nextMessage/send)', run: mockImperative, transport: 'loopback TCP' },
  { key: 'mockWsScripted', label: "mockWs().expect('ping').send('pong')", run: mockScripted, transport: 'loopback TCP' },
  { key: 'mswPerCycle', label: 'MSW ws.link, setupServer() per cycle', run: mswPerCycle, transport: 'in-memory' },
  {
    key: 'mswShared',
    label: 'MSW ws.link, shared server, use()/resetHandlers()',
    run: mswShared,
    transport: 'in-memory',
    beginBlock() {
      sharedMsw = setupServer()
      sharedMsw.listen({ onUnhandledRequest: 'bypass' })
    },
    endBlock() {
      sharedMsw.close()
    },
  },
  { key: 'jestWebsocketMock', label: 'jest-websocket-mock (WS + mock-socket client)', run: jestWebsocketMock, transport: 'in-memory' },
  { key: 'mockSocket', label: 'mock-socket (Server + WebSocket)', run: mockSocketAlone, transport: 'in-memory' },
]

for (const c of cases) {
  c.beginBlock?.()
  for (let i = 0; i < WARMUP; i++) await c.run()
  c.endBlock?.()
}

// Blocks of BLOCK consecutive runs per case, the blocks in rotating order: a case's runs follow
// each other as the tests of one suite do, and slow phases of a noisy machine spread over every
// case. (Interleaving single runs made each case pay for the idle time of the case before it:
// after the fakes' 4 ms timers the next run starts on a cold core, which inflated whichever case
// came next by up to 2×.)
const BLOCK = 25
const samples = Object.fromEntries(cases.map((c) => [c.key, []]))
// CPU time (user + system, this process) per run: the fakes spend most of their wall time idle in
// mock-socket's simulated 4 ms network delays, so wall time alone would overstate their cost.
const cpuMicros = Object.fromEntries(cases.map((c) => [c.key, 0]))
for (let block = 0; block * BLOCK < RUNS; block++) {
  for (let k = 0; k < cases.length; k++) {
    const c = cases[(block + k) % cases.length]
    const n = Math.min(BLOCK, RUNS - block * BLOCK)
    c.beginBlock?.()
    const cpu = process.cpuUsage()
    for (let i = 0; i < n; i++) {
      const start = performance.now()
      await c.run()
      samples[c.key].push(performance.now() - start)
    }
    const used = process.cpuUsage(cpu)
    c.endBlock?.()
    cpuMicros[c.key] += used.user + used.system
  }
}

const stats = Object.fromEntries(cases.map((c) => [c.key, summarize(samples[c.key])]))
const raw = stats.rawWs
const cpuMs = (key) => cpuMicros[key] / 1000 / RUNS
const rows = [['case', 'transport', 'median', 'p25..p75', 'spread', 'CPU/run', 'vs raw ws', 'CPU vs raw ws', 'vs MSW per cycle']]
for (const c of cases) {
  const s = stats[c.key]
  rows.push([
    c.label,
    c.transport,
    fmtMs(s.median),
    `${fmtMs(s.p25)}..${fmtMs(s.p75)}`,
    fmtSpread(s.spread),
    fmtMs(cpuMs(c.key)),
    fmtRatio(s.median / raw.median),
    fmtRatio(cpuMs(c.key) / cpuMs('rawWs')),
    fmtRatio(s.median / stats.mswPerCycle.median),
  ])
}
printTable(rows, { title: `fixture lifecycle (start → connect → 1 message each way → close), ${RUNS} runs per case, medians` })

const vsRaw = ratio(stats.mockWs, raw, false)
const vsJest = ratio(stats.mockWs, stats.jestWebsocketMock, false)
const scriptedVsRaw = ratio(stats.mockWsScripted, raw, false)
const cpuVsRaw = cpuMs('mockWs') / cpuMs('rawWs')
const vsMswPerCycle = stats.mockWs.median / stats.mswPerCycle.median
const vsMswShared = stats.mockWs.median / stats.mswShared.median
console.log(`mockWs() / raw ws: ${fmtRatio(vsRaw.ratio)} (quartile range ${fmtRatio(vsRaw.low)}..${fmtRatio(vsRaw.high)}), target ≤ ${fmtRatio(TARGET_VS_RAW)}`)
console.log(`mockWs() / jest-websocket-mock: ${fmtRatio(vsJest.ratio)} (target < 1×)`)

writeResults('lifecycle', {
  runs: RUNS,
  warmup: WARMUP,
  unit: 'ms per lifecycle',
  cases: Object.fromEntries(
    cases.map((c) => [c.key, { label: c.label, transport: c.transport, cpuMsPerRun: round(cpuMs(c.key), 4), ...Object.fromEntries(Object.entries(stats[c.key]).map(([k, v]) => [k, round(v, 4)])) }]),
  ),
  ratios: {
    mockWsVsRawWs: round(vsRaw.ratio),
    mockWsVsRawWsRange: [round(vsRaw.low), round(vsRaw.high)],
    mockWsScriptedVsRawWs: round(scriptedVsRaw.ratio),
    mockWsVsJestWebsocketMock: round(vsJest.ratio),
    mockWsVsMockSocket: round(stats.mockWs.median / stats.mockSocket.median),
    mockWsCpuVsRawWs: round(cpuVsRaw),
    mockWsVsMswPerCycle: round(vsMswPerCycle),
    mockWsVsMswShared: round(vsMswShared),
  },
  summary: [
    {
      metric: 'lifecycle: mockWs() vs raw ws',
      value: fmtMs(stats.mockWs.median),
      baseline: fmtMs(raw.median),
      ratio: round(vsRaw.ratio),
      target: `≤ ${TARGET_VS_RAW.toFixed(2)}×`,
      met: vsRaw.ratio <= TARGET_VS_RAW,
    },
    {
      metric: 'lifecycle: mockWs() vs raw ws, CPU per cycle',
      value: fmtMs(cpuMs('mockWs')),
      baseline: fmtMs(cpuMs('rawWs')),
      ratio: round(cpuVsRaw),
      target: `≤ ${TARGET_CPU_VS_RAW.toFixed(2)}×`,
      met: cpuVsRaw <= TARGET_CPU_VS_RAW,
    },
    {
      metric: 'lifecycle: mockWs() vs MSW ws.link, setupServer per cycle',
      value: fmtMs(stats.mockWs.median),
      baseline: fmtMs(stats.mswPerCycle.median),
      ratio: round(vsMswPerCycle),
      target: `≤ ${TARGET_VS_MSW.toFixed(2)}×`,
      met: vsMswPerCycle <= TARGET_VS_MSW,
    },
    {
      metric: 'lifecycle: mockWs() vs MSW ws.link, shared server use/resetHandlers',
      value: fmtMs(stats.mockWs.median),
      baseline: fmtMs(stats.mswShared.median),
      ratio: round(vsMswShared),
    },
    {
      metric: 'lifecycle: mockWs() vs jest-websocket-mock',
      value: fmtMs(stats.mockWs.median),
      baseline: fmtMs(stats.jestWebsocketMock.median),
      ratio: round(vsJest.ratio),
      target: '< 1.00×',
      met: vsJest.ratio < 1,
    },
    {
      metric: 'lifecycle: mockWs() scripted vs raw ws',
      value: fmtMs(stats.mockWsScripted.median),
      baseline: fmtMs(raw.median),
      ratio: round(scriptedVsRaw.ratio),
    },
  ],
})

if (process.env.BENCH_LIFECYCLE_PHASES === '1') await printPhases()

/** Where a cycle's wall time goes, phase by phase (mean µs, interleaved blocks), and what a cycle creates (async_hooks). */
async function printPhases() {
  const phased = cases.filter((c) => c.key === 'rawWs' || c.key === 'mockWs')
  const total = Object.fromEntries(phased.map((c) => [c.key, PHASES.map(() => 0)]))
  let n = 0
  for (let block = 0; block * BLOCK < RUNS; block++) {
    for (const c of phased) {
      for (let i = 0; i < BLOCK; i++) {
        const sums = total[c.key]
        let last = performance.now()
        const mark = (phase) => {
          const now = performance.now()
          sums[phase] += now - last
          last = now
        }
        await c.run(mark)
        sums[PHASES.length - 1] += performance.now() - last
      }
    }
    n += BLOCK
  }
  const made = {}
  for (const c of phased) {
    const counts = { PROMISE: 0, Timeout: 0, Immediate: 0, TickObject: 0 }
    const hook = createHook({ init: (_id, type) => type in counts && counts[type]++ }).enable()
    for (let i = 0; i < BLOCK; i++) await c.run()
    hook.disable()
    made[c.key] = Object.values(counts).map((v) => (v / BLOCK).toFixed(1))
  }
  const us = (ms) => (ms * 1000).toFixed(0)
  const rows = [['case', ...PHASES.map((p) => `${p} µs`), 'promises', 'timers', 'immediates', 'nextTicks']]
  for (const c of phased) rows.push([c.label, ...total[c.key].map((ms) => us(ms / n)), ...made[c.key]])
  printTable(rows, { title: `where a cycle's wall time goes (mean of ${n} cycles each), and what one cycle creates` })
}
