// The kit's own work per Socket.IO round trip, without sockets: a stand-in socket.io `Socket` (onAny, emit) is
// handed to a mockSocketIo() scenario (expectEmit + emit per round trip, transcript and decoded events on) and
// driven in-process, so the figure is the kit, session and player path alone (what plain socket.io does not do).
// CPU time per round trip is what to compare on a loaded machine; not a target, an explanation of
// bench/socket-io.bench.mjs.
//
//   npx tsup && node --expose-gc bench/socket-io-path.mjs
//
// Env: BENCH_SIO_PATH_TRIPS (per round, default 20000), BENCH_SIO_PATH_ROUNDS (default 5), MOCKFORGE_WS_BENCH_ENTRY.
import { ENTRY, envNumber } from './lib/results.mjs'

const TRIPS = envNumber('BENCH_SIO_PATH_TRIPS', 20000)
const ROUNDS = envNumber('BENCH_SIO_PATH_ROUNDS', 5)
const WARMUP = 5000

const { mockSocketIo } = await import(new URL('./kits/socket-io/index.js', ENTRY).href)

async function round() {
  let builder = mockSocketIo()
  for (let i = 0; i < WARMUP + TRIPS; i++) builder = builder.expectEmit('echo', { n: i }).emit('echo', { n: i })
  const io = await builder
  let onAny, answered, onDisconnect
  const socket = {
    nsp: { name: '/', server: io.server },
    handshake: { url: '/socket.io/?EIO=4&transport=websocket', headers: {} },
    connected: true,
    conn: { close() {} },
    onAny: (fn) => (onAny = fn),
    on: (event, fn) => event === 'disconnect' && (onDisconnect = fn),
    emit: () => answered(),
    // Where the kit writes an event whose dialect text is already the packet (see transport.ts).
    client: { _packet: () => answered() },
    listenersAnyOutgoing: () => [],
    disconnect() {},
  }
  // What socket.io does for a client that joined the namespace.
  io.server.of('/').emitReserved('connection', socket)
  const trip = (i) =>
    new Promise((resolve) => {
      answered = resolve
      onAny('echo', { n: i })
    })
  for (let i = 0; i < WARMUP; i++) await trip(i)
  globalThis.gc?.()
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  for (let i = WARMUP; i < WARMUP + TRIPS; i++) await trip(i)
  const cpu = process.cpuUsage(cpu0)
  const wall = ((performance.now() - t0) * 1000) / TRIPS
  if (io.failures.length > 0) throw new Error(`the kit reported ${io.failures.length} failures: ${io.failures[0].message}`)
  socket.connected = false
  onDisconnect('client namespace disconnect')
  await io.close()
  return { wall, cpu: (cpu.user + cpu.system) / TRIPS }
}

const rounds = []
for (let r = 0; r < ROUNDS; r++) rounds.push(await round())
const median = (key) => rounds.map((x) => x[key]).sort((a, b) => a - b)[rounds.length >> 1]
const min = (key) => Math.min(...rounds.map((x) => x[key]))
console.log(`Kit path per Socket.IO round trip (no sockets), ${TRIPS} per round × ${ROUNDS} rounds:`)
console.log(`  CPU µs: median ${median('cpu').toFixed(2)}, min ${min('cpu').toFixed(2)}; wall µs: median ${median('wall').toFixed(2)}, min ${min('wall').toFixed(2)}`)
