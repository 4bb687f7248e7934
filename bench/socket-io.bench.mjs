// node-flags: --expose-gc
// Socket.IO round trip: a socket.io-client emits an event and waits for the server's answering event,
// one at a time, against a mockSocketIo() scenario (expectEmit + emit per round trip, transcript and
// decoded events on) and against a plain `socket.io` server doing the same (`socket.on` → `socket.emit`)
// in the same run. The client is in this process for both, over the websocket transport.
//
//   npx tsup && node bench/socket-io.bench.mjs
//
// Env: BENCH_SIO_ROUND_TRIPS (per round, default 2000), BENCH_SIO_ROUNDS (default 7), MOCKFORGE_WS_BENCH_ENTRY.
// Writes bench/results/socket-io.json.
import http from 'node:http'
import { once } from 'node:events'
import { Server } from 'socket.io'
import { connectEchoClient } from './lib/socket-io-echo.mjs'
import { ENTRY, envNumber, writeResults } from './lib/results.mjs'
import { ratio, round, summarize } from './lib/stats.mjs'
import { fmtRatio, fmtSpread, printTable } from './lib/table.mjs'

const ROUND_TRIPS = envNumber('BENCH_SIO_ROUND_TRIPS', 2000)
const ROUNDS = envNumber('BENCH_SIO_ROUNDS', 7)
// Round trips before the clock starts, and one uncounted round of each server first: the JIT must have
// compiled both paths before either is timed.
const WARMUP = 1000
const TARGET_VS_PLAIN = 1.3

const { mockSocketIo } = await import(new URL('./kits/socket-io/index.js', ENTRY).href)

async function plainServer(total) {
  const httpServer = http.createServer()
  const server = new Server(httpServer, { cors: { origin: '*' } })
  server.on('connection', (socket) => socket.on('echo', (payload) => socket.emit('echo', payload)))
  httpServer.listen(0, '127.0.0.1')
  await once(httpServer, 'listening')
  return {
    url: `http://127.0.0.1:${httpServer.address().port}`,
    check: () => total,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

async function kitServer(total) {
  let builder = mockSocketIo()
  for (let i = 0; i < total; i++) builder = builder.expectEmit('echo', { n: i }).emit('echo', { n: i })
  const io = await builder
  return {
    url: io.url,
    // The figure only counts if the script really played every step without a failure.
    check: () => {
      if (io.failures.length > 0) throw new Error(`the kit reported ${io.failures.length} failures: ${io.failures[0].message}`)
      const out = io.events.filter((e) => e.dir === 'out').length
      if (out !== total) throw new Error(`the kit emitted ${out} events, expected ${total}`)
    },
    close: () => io.close(),
  }
}

async function measure(start) {
  const total = WARMUP + ROUND_TRIPS
  const server = await start(total)
  // The previous round's garbage (a kit round leaves a whole scenario) is collected now, not during this round.
  globalThis.gc?.()
  const { socket, trip } = await connectEchoClient(server.url)
  for (let i = 0; i < WARMUP; i++) await trip(i)
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  for (let i = WARMUP; i < total; i++) await trip(i)
  const micros = ((performance.now() - t0) * 1000) / ROUND_TRIPS
  const cpu = process.cpuUsage(cpu0)
  cpuSamples[start === plainServer ? 'plain' : 'kit'].push((cpu.user + cpu.system) / ROUND_TRIPS)
  server.check()
  socket.disconnect()
  await server.close()
  return micros
}

const samples = { plain: [], kit: [] }
// CPU time of this process (server and client) per round trip: less sensitive than wall time to other load on the machine.
const cpuSamples = { plain: [], kit: [] }
await measure(plainServer)
await measure(kitServer)
cpuSamples.plain.length = 0
cpuSamples.kit.length = 0
for (let r = 0; r < ROUNDS; r++) {
  // Alternate the order so neither side always runs on a warmer (or more crowded) machine.
  const order = r % 2 === 0 ? ['plain', 'kit'] : ['kit', 'plain']
  for (const key of order) samples[key].push(await measure(key === 'plain' ? plainServer : kitServer))
}
const plain = summarize(samples.plain)
const kit = summarize(samples.kit)
const r = ratio(kit, plain, false).ratio
const plainCpu = summarize(cpuSamples.plain)
const kitCpu = summarize(cpuSamples.kit)
const rCpu = ratio(kitCpu, plainCpu, false).ratio
printTable(
  [
    ['server', 'µs per round trip (median)', 'spread', 'vs plain', 'CPU µs per round trip', 'vs plain'],
    ['plain socket.io (socket.on → socket.emit)', round(plain.median, 1), fmtSpread(plain.spread), '1.00×', round(plainCpu.median, 1), '1.00×'],
    ['mockSocketIo() scenario (expectEmit + emit)', round(kit.median, 1), fmtSpread(kit.spread), fmtRatio(r), round(kitCpu.median, 1), fmtRatio(rCpu)],
  ],
  { title: `Socket.IO event round trip, ${ROUND_TRIPS} per round × ${ROUNDS} rounds (websocket transport)` },
)
writeResults('socket-io', {
  roundTrips: ROUND_TRIPS,
  rounds: ROUNDS,
  microsPerRoundTrip: { plain, kit },
  cpuMicrosPerRoundTrip: { plain: plainCpu, kit: kitCpu },
  summary: [
    {
      metric: 'socket.io round trip: mockSocketIo() vs plain socket.io (µs)',
      value: `${round(kit.median, 1)} µs`,
      baseline: `${round(plain.median, 1)} µs`,
      ratio: r,
      target: `≤ ${TARGET_VS_PLAIN.toFixed(2)}×`,
      met: r <= TARGET_VS_PLAIN,
    },
    {
      metric: 'socket.io round trip, CPU of server + client: mockSocketIo() vs plain socket.io (µs)',
      value: `${round(kitCpu.median, 1)} µs`,
      baseline: `${round(plainCpu.median, 1)} µs`,
      ratio: rCpu,
    },
  ],
})
