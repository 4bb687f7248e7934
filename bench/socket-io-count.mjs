// Counts the work one Socket.IO round trip costs, kit against plain socket.io, in the same process:
// promises, timers armed and cleared, nextTicks, setImmediates, performance.now() calls, JSON.parse and
// JSON.stringify passes, socket.io parser encodes/decodes and ws frames written. The same round trip as
// bench/socket-io.bench.mjs (client emits `echo`, waits for the answering `echo`). Not a timing bench: the
// counts explain the time that bench measures.
//
//   npx tsup && node bench/socket-io-count.mjs
//
// Env: BENCH_SIO_COUNT_TRIPS (default 2000), MOCKFORGE_WS_BENCH_ENTRY.
import { createHook } from 'node:async_hooks'
import { createRequire } from 'node:module'
import http from 'node:http'
import { once } from 'node:events'
import { performance } from 'node:perf_hooks'
import { Server } from 'socket.io'
import { connectEchoClient } from './lib/socket-io-echo.mjs'
import { ENTRY, envNumber } from './lib/results.mjs'
import { printTable } from './lib/table.mjs'

const TRIPS = envNumber('BENCH_SIO_COUNT_TRIPS', 2000)
const WARMUP = 200

const { mockSocketIo } = await import(new URL('./kits/socket-io/index.js', ENTRY).href)

const counts = {}
let counting = false
const bump = (key) => {
  if (counting) counts[key] = (counts[key] ?? 0) + 1
}
// Async resources by type: PROMISE, Timeout, TickObject, Immediate, …
createHook({ init: (_id, type) => bump(`async ${type}`) }).enable()
const wrap = (obj, name, key) => {
  const original = obj[name]
  obj[name] = function (...args) {
    bump(key)
    return original.apply(this, args)
  }
}
wrap(performance, 'now', 'performance.now()')
wrap(JSON, 'parse', 'JSON.parse')
wrap(JSON, 'stringify', 'JSON.stringify')
wrap(globalThis, 'setTimeout', 'setTimeout')
wrap(globalThis, 'clearTimeout', 'clearTimeout')

// The client (socket.io-client's ESM build) and the server (socket.io, CommonJS) load different builds of the parser.
const parser = await import('socket.io-parser')
wrap(parser.Encoder.prototype, 'encode', 'socket.io-parser encode (client)')
wrap(parser.Decoder.prototype, 'add', 'socket.io-parser decode (client)')
const serverParser = createRequire(createRequire(import.meta.url).resolve('socket.io'))('socket.io-parser')
wrap(serverParser.Encoder.prototype, 'encode', 'socket.io-parser encode (server)')
wrap(serverParser.Decoder.prototype, 'add', 'socket.io-parser decode (server)')

async function plainServer() {
  const httpServer = http.createServer()
  const server = new Server(httpServer)
  server.on('connection', (socket) => socket.on('echo', (payload) => socket.emit('echo', payload)))
  httpServer.listen(0, '127.0.0.1')
  await once(httpServer, 'listening')
  return { url: `http://127.0.0.1:${httpServer.address().port}`, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

async function kitServer() {
  let builder = mockSocketIo()
  for (let i = 0; i < WARMUP + TRIPS; i++) builder = builder.expectEmit('echo', { n: i }).emit('echo', { n: i })
  const io = await builder
  return { url: io.url, close: () => io.close() }
}

async function count(start) {
  const server = await start()
  const { socket, trip } = await connectEchoClient(server.url)
  for (let i = 0; i < WARMUP; i++) await trip(i)
  for (const key of Object.keys(counts)) delete counts[key]
  counting = true
  for (let i = WARMUP; i < WARMUP + TRIPS; i++) await trip(i)
  counting = false
  const result = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v / TRIPS]))
  socket.disconnect()
  await server.close()
  return result
}

const plain = await count(plainServer)
const kit = await count(kitServer)
const keys = [...new Set([...Object.keys(plain), ...Object.keys(kit)])].sort()
printTable(
  [['per round trip (client + server)', 'plain socket.io', 'mockSocketIo()', 'extra'], ...keys.map((k) => [k, (plain[k] ?? 0).toFixed(2), (kit[k] ?? 0).toFixed(2), ((kit[k] ?? 0) - (plain[k] ?? 0)).toFixed(2)])],
  { title: `Work per Socket.IO round trip, ${TRIPS} round trips each (websocket transport)` },
)
