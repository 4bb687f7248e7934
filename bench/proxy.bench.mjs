// Proxied echo throughput: clients pipeline small text frames to a `ws` echo upstream, directly and
// through a proxy, in the same run; the headline is the ratio proxied / direct of the median rate
// (goal >= 0.85). Every party runs in a process of its own (this file, started with a role), so no
// two of them share an event loop or a heap:
//
//   clients     the `ws` clients (WINDOW frames in flight each)
//   upstream    a `ws` echo server; the same one serves every kind, so its work is counted alike
//   mockWs      mockWs().proxy(upstream), defaults (transcript, metrics on)
//   rawProxy    the least a `ws` proxy does: the received Buffer forwarded as-is with its isBinary
//               flag, no transcript, no backpressure; one write system call per frame.
//   rawBatched  the same, with the frames of one event-loop turn written in one system call: what
//               the extra hop costs a frame-level proxy (three busy processes on the cores instead of two).
//   rawPipe     a TCP proxy (`net` sockets piped both ways, handshake included): no WebSocket work at
//               all, the ceiling of any proxy on this machine, and what mockWs's pass-through
//               (src/proxy/pass-through.ts) adds its tap to.
//
// Beside the rates, each process's CPU time per echoed message (user + system, measured in that
// process around each round): the proxy's against the batched raw proxy's, and the CPU-bound ratio,
// total CPU per message of every process direct / proxied, which is what the rate ratio becomes
// when every core is busy. Both are steadier than the rates on a busy machine.
//
//   npx tsup && node bench/proxy.bench.mjs
//
// Env: BENCH_PROXY_MESSAGES (per round, default 30000), BENCH_PROXY_ROUNDS (default 5),
// BENCH_PROXY_WINDOW (frames in flight per client, default 64), BENCH_PROXY_CLIENTS (default "1,8"),
// BENCH_PROXY_CPU_PROF (a directory: the mockWs proxy process runs with --cpu-prof and writes there),
// MOCKFORGE_WS_BENCH_ENTRY (module to import instead of ../dist/index.js).
// Writes bench/results/proxy.json.
import { once } from 'node:events'
import { createServer } from 'node:http'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import WebSocket, { WebSocketServer } from 'ws'
import { serveCommands, startBenchProcess } from './lib/client-process.mjs'
import { envNumber, loadLibrary, writeResults } from './lib/results.mjs'
import { median, round } from './lib/stats.mjs'

const MESSAGES = envNumber('BENCH_PROXY_MESSAGES', 30_000)
const ROUNDS = envNumber('BENCH_PROXY_ROUNDS', 5)
const WINDOW = envNumber('BENCH_PROXY_WINDOW', 64)
const CLIENT_COUNTS = (process.env.BENCH_PROXY_CLIENTS ?? '1,8').split(',').map(Number)
const CPU_PROF = process.env.BENCH_PROXY_CPU_PROF
const PAYLOAD = '{"type":"tick","symbol":"ACME","price":101.25}'
const GOAL_RATIO = 0.85
const PROXIES = ['mockWs', 'rawProxy', 'rawBatched', 'rawPipe']
const SELF = fileURLToPath(import.meta.url)
const WS_OPTIONS = { perMessageDeflate: false }

const role = process.argv[2]
if (role === 'clients') serveCommands({ run: runClients })
else if (role) await serve(role, process.argv[3])
else await main()

/** CPU time of this process so far, µs. */
function cpuMicros() {
  const { user, system } = process.cpuUsage()
  return user + system
}

function listen(wss) {
  return once(wss, 'listening').then(() => `ws://127.0.0.1:${wss.address().port}/feed`)
}

// ---------------------------------------------------------------------------------------------
// Server children: the upstream, or one proxy kind in front of it.

async function serve(kind, upstreamUrl) {
  let url
  if (kind === 'upstream') {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...WS_OPTIONS })
    wss.on('connection', (s) => s.on('message', (data, isBinary) => s.send(data, { binary: isBinary })))
    url = await listen(wss)
  } else if (kind === 'mockWs') {
    const { mockWs } = await loadLibrary('proxy')
    url = (await mockWs().proxy(upstreamUrl)).url
  } else if (kind === 'rawProxy' || kind === 'rawBatched') {
    url = await rawProxy(upstreamUrl, kind === 'rawBatched')
  } else if (kind === 'rawPipe') {
    url = await rawPipe(upstreamUrl)
  } else throw new Error(`Failed to start the proxy bench: unknown role "${kind}".`)
  serveCommands({ cpu: async () => ({ micros: cpuMicros() }) }, { url })
}

/** Corks the TCP socket under `ws` until the end of this turn of the event loop (`_socket` is not public API). */
function batchWrites(ws) {
  let corked = false
  const uncork = () => {
    corked = false
    ws._socket.uncork()
  }
  return () => {
    if (corked) return
    corked = true
    ws._socket.cork()
    process.nextTick(uncork)
  }
}

/** A plain `ws` proxy: the client's handshake is answered once the upstream is open, frames pass as received. */
async function rawProxy(upstreamUrl, batched) {
  const none = () => {}
  const server = createServer()
  const wss = new WebSocketServer({ noServer: true, ...WS_OPTIONS })
  server.on('upgrade', (request, socket, head) => {
    const up = new WebSocket(upstreamUrl, WS_OPTIONS)
    up.once('error', () => socket.destroy())
    up.once('open', () =>
      wss.handleUpgrade(request, socket, head, (client) => {
        const toUpstream = batched ? batchWrites(up) : none
        const toClient = batched ? batchWrites(client) : none
        client.on('message', (data, isBinary) => {
          toUpstream()
          up.send(data, { binary: isBinary })
        })
        up.on('message', (data, isBinary) => {
          toClient()
          client.send(data, { binary: isBinary })
        })
        client.on('close', () => up.close())
        up.on('close', () => client.close())
      }),
    )
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return `ws://127.0.0.1:${server.address().port}/feed`
}

/** A TCP proxy: every byte (the handshake too) piped to the upstream and back. */
async function rawPipe(upstreamUrl) {
  const { hostname, port } = new URL(upstreamUrl)
  const server = net.createServer((client) => {
    const up = net.connect(Number(port), hostname)
    client.setNoDelay(true)
    up.setNoDelay(true)
    client.pipe(up)
    up.pipe(client)
    client.on('error', () => up.destroy())
    up.on('error', () => client.destroy())
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return `ws://127.0.0.1:${server.address().port}/feed`
}

// ---------------------------------------------------------------------------------------------
// Client child: each client keeps WINDOW frames in flight and stops after its share of the echoes.

async function runClients({ url, clients, messages, window, payload }) {
  const per = Math.ceil(messages / clients)
  const sockets = await Promise.all(
    Array.from({ length: clients }, () => {
      const s = new WebSocket(url, WS_OPTIONS)
      return once(s, 'open').then(() => s)
    }),
  )
  const cpuBefore = cpuMicros()
  const start = performance.now()
  await Promise.all(
    sockets.map(
      (s) =>
        new Promise((resolve, reject) => {
          let sent = 0
          let received = 0
          s.on('message', () => {
            received++
            if (received === per) resolve()
            else if (sent < per) {
              s.send(payload)
              sent++
            }
          })
          s.once('close', (code) => received < per && reject(new Error(`proxy bench: closed (${code}) after ${received} of ${per} echoes`)))
          for (; sent < Math.min(window, per); sent++) s.send(payload)
        }),
    ),
  )
  const ms = performance.now() - start
  const cpuUs = cpuMicros() - cpuBefore
  await Promise.all(sockets.map((s) => (s.close(), once(s, 'close'))))
  return { ms, cpuUs, messages: per * clients }
}

// ---------------------------------------------------------------------------------------------
// Parent: starts the children, interleaves the rounds, prints and writes the figures.

async function main() {
  const children = []
  const start = async (args, label, execArgv = []) => {
    const child = await startBenchProcess(SELF, { args, label, execArgv })
    children.push(child)
    return child
  }
  try {
    const upstream = await start(['upstream'], 'upstream')
    const clientsProcess = await start(['clients'], 'clients')
    const proxies = {}
    for (const kind of PROXIES) {
      const execArgv = CPU_PROF && kind === 'mockWs' ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : []
      proxies[kind] = await start([kind, upstream.ready.url], kind, execArgv)
    }
    const targets = { direct: upstream, ...proxies }
    const kinds = Object.keys(targets)

    /** One round against `kind`: client rate, and the CPU µs per message of the upstream and of the proxy. */
    const oneRound = async (kind, clients) => {
      const target = targets[kind]
      const before = await Promise.all([upstream.call('cpu'), target.call('cpu')])
      const { ms, cpuUs, messages } = await clientsProcess.call('run', { url: target.ready.url, clients, messages: MESSAGES, window: WINDOW, payload: PAYLOAD })
      const after = await Promise.all([upstream.call('cpu'), target.call('cpu')])
      const upstreamCpuUs = (after[0].micros - before[0].micros) / messages
      const proxyCpuUs = kind === 'direct' ? 0 : (after[1].micros - before[1].micros) / messages
      const clientCpuUs = cpuUs / messages
      return { rate: (messages / ms) * 1000, upstreamCpuUs, proxyCpuUs, clientCpuUs, totalCpuUs: clientCpuUs + upstreamCpuUs + proxyCpuUs }
    }

    const rows = []
    for (const clients of CLIENT_COUNTS) {
      // Warm-up of every path (JIT, socket buffers), then rotate the order so drift hits all alike.
      for (const kind of kinds) await oneRound(kind, clients)
      const samples = Object.fromEntries(kinds.map((k) => [k, []]))
      for (let r = 0; r < ROUNDS; r++) {
        const order = kinds.map((_, i) => kinds[(i + r) % kinds.length])
        for (const kind of order) samples[kind].push(await oneRound(kind, clients))
      }
      const med = (kind, field) => median(samples[kind].map((s) => s[field]))
      const d = med('direct', 'rate')
      const p = med('mockWs', 'rate')
      const raw = med('rawProxy', 'rate')
      const batched = med('rawBatched', 'rate')
      const pipe = med('rawPipe', 'rate')
      const cpu = (kind) => med(kind, 'proxyCpuUs')
      rows.push({
        clients,
        directMsgsPerSec: Math.round(d),
        proxiedMsgsPerSec: Math.round(p),
        rawProxyMsgsPerSec: Math.round(raw),
        rawBatchedMsgsPerSec: Math.round(batched),
        ratio: round(p / d),
        rawProxyRatio: round(raw / d),
        rawBatchedRatio: round(batched / d),
        rawPipeRatio: round(pipe / d),
        proxyCpuUsPerMsg: round(cpu('mockWs'), 2),
        rawProxyCpuUsPerMsg: round(cpu('rawProxy'), 2),
        rawBatchedCpuUsPerMsg: round(cpu('rawBatched'), 2),
        rawPipeCpuUsPerMsg: round(cpu('rawPipe'), 2),
        proxyCpuVsRawBatched: round(cpu('mockWs') / cpu('rawBatched')),
        clientCpuUsPerMsg: round(med('direct', 'clientCpuUs'), 2),
        // The throughput ratio when CPU is the limit (every core busy): total CPU per message of all
        // processes, direct / proxied. It does not move with the machine's load as the rates do.
        cpuBoundRatio: round(med('direct', 'totalCpuUs') / med('mockWs', 'totalCpuUs')),
        rawBatchedCpuBoundRatio: round(med('direct', 'totalCpuUs') / med('rawBatched', 'totalCpuUs')),
        rawPipeCpuBoundRatio: round(med('direct', 'totalCpuUs') / med('rawPipe', 'totalCpuUs')),
        upstreamCpuUsPerMsg: round(med('direct', 'upstreamCpuUs'), 2),
        rounds: Object.fromEntries(kinds.map((k) => [k, samples[k].map((s) => Math.round(s.rate))])),
      })
    }

    console.log(`\nProxied vs direct echo throughput (${MESSAGES} messages/round, window ${WINDOW}, median of ${ROUNDS} rounds)\n`)
    console.table(
      rows.map((r) => ({
        clients: r.clients,
        'direct msg/s': r.directMsgsPerSec,
        'mockWs proxy msg/s': r.proxiedMsgsPerSec,
        'mockWs / direct': r.ratio,
        [`goal >= ${GOAL_RATIO}`]: r.ratio >= GOAL_RATIO ? 'met' : 'not met',
        'raw / direct': r.rawProxyRatio,
        'raw batched / direct': r.rawBatchedRatio,
        'TCP pipe / direct': r.rawPipeRatio,
        'CPU µs/msg: mockWs': r.proxyCpuUsPerMsg,
        raw: r.rawProxyCpuUsPerMsg,
        'raw batched': r.rawBatchedCpuUsPerMsg,
        'TCP pipe': r.rawPipeCpuUsPerMsg,
        upstream: r.upstreamCpuUsPerMsg,
        client: r.clientCpuUsPerMsg,
        'CPU-bound: mockWs': r.cpuBoundRatio,
        'CPU-bound: raw batched': r.rawBatchedCpuBoundRatio,
        'CPU-bound: TCP pipe': r.rawPipeCpuBoundRatio,
      })),
    )
    writeResults('proxy', {
      messagesPerRound: MESSAGES,
      rounds: ROUNDS,
      window: WINDOW,
      payloadBytes: Buffer.byteLength(PAYLOAD),
      goalRatio: GOAL_RATIO,
      results: rows,
      summary: rows.flatMap((r) => {
        const n = `${r.clients} client${r.clients === 1 ? '' : 's'}`
        const rate = (x) => `${x.toLocaleString('en-US')} msg/s`
        return [
          { metric: `proxy echo, ${n}: mockWs proxy vs direct (msgs/s)`, value: rate(r.proxiedMsgsPerSec), baseline: rate(r.directMsgsPerSec), ratio: r.ratio, target: `≥ ${GOAL_RATIO.toFixed(2)}×`, met: r.ratio >= GOAL_RATIO },
          { metric: `proxy echo, ${n}: raw ws proxy, writes batched, vs direct (msgs/s)`, value: rate(r.rawBatchedMsgsPerSec), baseline: rate(r.directMsgsPerSec), ratio: r.rawBatchedRatio },
          { metric: `proxy echo, ${n}: TCP pipe (no WebSocket work) vs direct (msgs/s)`, value: rate(Math.round(r.rawPipeRatio * r.directMsgsPerSec)), baseline: rate(r.directMsgsPerSec), ratio: r.rawPipeRatio },
          { metric: `proxy echo, ${n}: CPU-bound ratio (all processes' CPU/msg, direct / via mockWs)`, value: `${r.cpuBoundRatio}×`, baseline: `${r.rawBatchedCpuBoundRatio}× via raw batched`, ratio: r.cpuBoundRatio },
          { metric: `proxy echo, ${n}: proxy CPU/msg, mockWs vs raw ws proxy, writes batched`, value: `${r.proxyCpuUsPerMsg} µs`, baseline: `${r.rawBatchedCpuUsPerMsg} µs`, ratio: r.proxyCpuVsRawBatched },
        ]
      }),
    })
  } finally {
    await Promise.all(children.map((c) => c.stop()))
  }
}
