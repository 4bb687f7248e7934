// node-flags: --expose-gc
// Socket.IO round trip: a socket.io-client emits an event and waits for the server's answering event,
// one at a time, against a mockSocketIo() scenario (expectEmit + emit per round trip, transcript and
// decoded events on) and against a plain `socket.io` server doing the same (`socket.on` → `socket.emit`)
// in the same run. Each server runs with its client (websocket transport) in a process of its own.
//
//   npx tsup && node bench/socket-io.bench.mjs
//
// A third server, plain socket.io spinning BENCH_SIO_BUSY_US µs in its handler before it answers, calibrates
// the figure: on a loaded 2-core machine a few µs more server work per round trip cost several times that
// in wall time (the processes lose their core and caches while they wait), so the kit's gap reads best as
// "like N µs of extra handler work". Each kit round is also divided by the plain round next to it
// (paired ratio): load that drifts between rounds then cancels out.
//
// Env: BENCH_SIO_ROUND_TRIPS (per round, default 2000), BENCH_SIO_ROUNDS (default 7), BENCH_SIO_BUSY_US
// (default 10), MOCKFORGE_WS_BENCH_ENTRY.
// Writes bench/results/socket-io.json.
import http from 'node:http'
import { once } from 'node:events'
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
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
const BUSY_US = envNumber('BENCH_SIO_BUSY_US', 10)

const { mockSocketIo } = await import(new URL('./kits/socket-io/index.js', ENTRY).href)

function plainServer(total) {
  return plainWith(total, (payload, socket) => socket.emit('echo', payload))
}

function busyServer(total) {
  return plainWith(total, (payload, socket) => {
    const until = performance.now() + BUSY_US / 1000
    while (performance.now() < until);
    socket.emit('echo', payload)
  })
}

async function plainWith(total, answer) {
  const httpServer = http.createServer()
  const server = new Server(httpServer, { cors: { origin: '*' } })
  server.on('connection', (socket) => socket.on('echo', (payload) => answer(payload, socket)))
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

const starts = { plain: plainServer, busy: busyServer, kit: kitServer }

async function measure(key) {
  const start = starts[key]
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
  server.check()
  socket.disconnect()
  await server.close()
  return { micros, cpu: (cpu.user + cpu.system) / ROUND_TRIPS }
}

// Each server kind runs in a process of its own (with its client), as the echo and proxy benches do: the
// kinds share no JIT state (the kit's pre-encoded packets would otherwise deoptimise socket.io functions the
// plain servers use too) and no garbage. BENCH_SIO_SHARED=1 runs all three in this process instead.
const SHARED = process.env.BENCH_SIO_SHARED === '1'
const CHILD = process.env.BENCH_SIO_CHILD
if (CHILD !== undefined) {
  process.on('message', (command) => {
    if (command === 'round') measure(CHILD).then((result) => process.send(result), (error) => { console.error(error); process.exit(1) })
    else process.exit(0)
  })
  process.send('ready')
} else {
  await parent()
}

async function parent() {
const runners = {}
for (const key of ['plain', 'busy', 'kit']) {
  if (SHARED) {
    runners[key] = { round: () => measure(key), stop: () => {} }
    continue
  }
  const child = fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, BENCH_SIO_CHILD: key }, execArgv: ['--expose-gc'] })
  // One request at a time: `next()` resolves with the child's next message, and fails if it exits first.
  let pending
  child.on('message', (m) => pending?.resolve(m))
  child.on('exit', (code) => pending?.reject(new Error(`the socket.io bench's ${key} process exited with ${code}`)))
  const next = () => new Promise((resolve, reject) => (pending = { resolve, reject }))
  const ready = next()
  await ready
  runners[key] = {
    round: () => {
      const reply = next()
      child.send('round')
      return reply
    },
    stop: () => child.send('exit'),
  }
}

const KEYS = ['plain', 'busy', 'kit']
const samples = { plain: [], busy: [], kit: [] }
// CPU time of this process (server and client) per round trip: less sensitive than wall time to other load on the machine.
const cpuSamples = { plain: [], busy: [], kit: [] }
for (const key of KEYS) await runners[key].round()
for (let r = 0; r < ROUNDS; r++) {
  // Alternate the order so no server always runs on a warmer (or more crowded) machine.
  for (const key of r % 2 === 0 ? KEYS : [...KEYS].reverse()) {
    const { micros, cpu } = await runners[key].round()
    samples[key].push(micros)
    cpuSamples[key].push(cpu)
  }
}
for (const key of KEYS) runners[key].stop()
const plain = summarize(samples.plain)
const busy = summarize(samples.busy)
const kit = summarize(samples.kit)
const r = ratio(kit, plain, false).ratio
const rBusy = ratio(busy, plain, false).ratio
const plainCpu = summarize(cpuSamples.plain)
const busyCpu = summarize(cpuSamples.busy)
const kitCpu = summarize(cpuSamples.kit)
const rCpu = ratio(kitCpu, plainCpu, false).ratio
// Each round's kit (busy) figure over the plain figure of the same round, then the median of those.
const paired = (key) => summarize(samples[key].map((v, i) => v / samples.plain[i])).median
// The kit's wall gap in µs of handler work, read off the busy server's gap (linear in between).
const busyEquivalent = ((kit.median - plain.median) / (busy.median - plain.median)) * BUSY_US
printTable(
  [
    ['server', 'µs per round trip (median)', 'spread', 'vs plain', 'paired', 'CPU µs per round trip', 'vs plain'],
    ['plain socket.io (socket.on → socket.emit)', round(plain.median, 1), fmtSpread(plain.spread), '1.00×', '1.00×', round(plainCpu.median, 1), '1.00×'],
    [`plain socket.io + ${BUSY_US} µs busy in the handler`, round(busy.median, 1), fmtSpread(busy.spread), fmtRatio(rBusy), fmtRatio(paired('busy')), round(busyCpu.median, 1), fmtRatio(ratio(busyCpu, plainCpu, false).ratio)],
    ['mockSocketIo() scenario (expectEmit + emit)', round(kit.median, 1), fmtSpread(kit.spread), fmtRatio(r), fmtRatio(paired('kit')), round(kitCpu.median, 1), fmtRatio(rCpu)],
  ],
  { title: `Socket.IO event round trip, ${ROUND_TRIPS} per round × ${ROUNDS} rounds (websocket transport); ${SHARED ? 'all servers in one process' : 'each server and its client in a process of its own'}; the kit's gap is like ${round(busyEquivalent, 1)} µs of handler work` },
)
writeResults('socket-io', {
  roundTrips: ROUND_TRIPS,
  rounds: ROUNDS,
  busyMicros: BUSY_US,
  microsPerRoundTrip: { plain, busy, kit },
  cpuMicrosPerRoundTrip: { plain: plainCpu, busy: busyCpu, kit: kitCpu },
  pairedRatio: { busy: paired('busy'), kit: paired('kit') },
  kitGapAsHandlerMicros: busyEquivalent,
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
    {
      metric: 'socket.io round trip: the kit\'s wall gap as µs of extra handler work in plain socket.io',
      value: `${round(busyEquivalent, 1)} µs`,
      baseline: `plain + ${BUSY_US} µs busy: ${fmtRatio(rBusy)}`,
      ratio: paired('kit'),
    },
  ],
})
}
