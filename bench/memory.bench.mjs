// Memory per idle connection: 5,000 clients connect to one mockWs() and, in a separate run, to a
// raw `ws` WebSocketServer; the growth of the server process's RSS and V8 heapUsed, divided by
// the connection count, is the cost of one idle connection. The server runs in a fresh child
// process per measurement (this file, started with `serve`), the clients in another, so neither
// the clients nor earlier measurements are counted.
//
//   npx tsup && node bench/memory.bench.mjs
//
// Env: BENCH_MEMORY_CONNECTIONS (default 5000), BENCH_MEMORY_REPEATS (runs per server, default 3),
// MOCKFORGE_WS_BENCH_ENTRY. Needs an fd limit (ulimit -n) above the connection count plus ~100 in
// both child processes; the bench lowers the count to fit and says so.
// Writes bench/results/memory.json.
import { execFileSync, fork } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { WebSocketServer } from 'ws'

/** Connections opened and closed before the baseline is taken, so lazily built code and pools exist already. */
const WARMUP_CONNECTIONS = 50
/** File descriptors a process needs besides the sockets (stdio, IPC, the listener, libuv, node internals). */
const FD_HEADROOM = 100

if (process.argv[2] === 'serve') await serve(process.argv[3])
else await main()

// ---------------------------------------------------------------------------------------------
// Server child: starts one server, then answers `measure` requests with its memory after a full GC.

async function serve(kind) {
  const { ENTRY } = await import('./lib/results.mjs')
  let url
  if (kind === 'rawWs') {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/ws' })
    await once(wss, 'listening')
    // The same minimal behaviour as the mock's default: echo.
    wss.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })))
    url = `ws://127.0.0.1:${wss.address().port}/ws`
  } else {
    const { mockWs } = await import(ENTRY)
    const ws = await mockWs()
    url = ws.url
  }
  const measure = () => {
    // Several passes: weak maps, finalizers and the last connection's buffers need more than one.
    for (let i = 0; i < 4; i++) globalThis.gc()
    const m = process.memoryUsage()
    return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers }
  }
  process.on('message', (msg) => {
    if (msg.cmd === 'measure') process.send({ id: msg.id, ok: true, ...measure() })
  })
  process.send({ ready: true, url })
}

// ---------------------------------------------------------------------------------------------
// Orchestrator.

async function main() {
  const { startClientProcess } = await import('./lib/client-process.mjs')
  const { ratio, round, summarize } = await import('./lib/stats.mjs')
  const { envNumber, writeResults } = await import('./lib/results.mjs')
  const { fmtBytes, fmtInt, fmtRatio, fmtSpread, printTable } = await import('./lib/table.mjs')

  const REQUESTED = envNumber('BENCH_MEMORY_CONNECTIONS', 5000)
  const REPEATS = envNumber('BENCH_MEMORY_REPEATS', 3)
  const TARGET_RSS_VS_RAW = 1.2
  const TARGET_HEAP_VS_RAW = 1.3
  const fdLimit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim()) || Number.POSITIVE_INFINITY
  const CONNECTIONS = Math.min(REQUESTED, fdLimit - FD_HEADROOM)
  if (CONNECTIONS < REQUESTED) {
    console.log(`fd limit (ulimit -n) is ${fdLimit}: measuring ${CONNECTIONS} connections instead of ${REQUESTED}; raise it with \`ulimit -n ${REQUESTED + FD_HEADROOM}\``)
  }

  const self = fileURLToPath(import.meta.url)
  async function measureOnce(kind, clients) {
    const server = fork(self, ['serve', kind], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    try {
      // A server that fails to start exits instead of answering: fail the bench rather than wait forever.
      const ready = await new Promise((resolve, reject) => {
        server.once('message', resolve)
        server.once('exit', (code) => reject(new Error(`memory bench server (${kind}) exited with ${code} before it was ready`)))
      })
      let nextId = 1
      const ask = () =>
        new Promise((resolve) => {
          const id = nextId++
          const onMessage = (msg) => {
            if (msg.id !== id) return
            server.off('message', onMessage)
            resolve(msg)
          }
          server.on('message', onMessage)
          server.send({ cmd: 'measure', id })
        })
      await clients.call('hold', { url: ready.url, count: WARMUP_CONNECTIONS })
      await clients.call('release', {})
      const before = await ask()
      const { opened } = await clients.call('hold', { url: ready.url, count: CONNECTIONS })
      const after = await ask()
      await clients.call('release', {})
      return {
        opened,
        rssPerConnection: (after.rss - before.rss) / opened,
        heapUsedPerConnection: (after.heapUsed - before.heapUsed) / opened,
        externalPerConnection: (after.external - before.external) / opened,
        before,
        after,
      }
    } finally {
      const exited = once(server, 'exit')
      server.kill()
      await exited
    }
  }

  const kinds = [
    { key: 'rawWs', label: 'raw ws WebSocketServer (echo)' },
    { key: 'mockWs', label: 'mockWs() (echo, transcript, metrics)' },
  ]
  const clients = await startClientProcess()
  const runs = Object.fromEntries(kinds.map((k) => [k.key, []]))
  try {
    for (let r = 0; r < REPEATS; r++) {
      for (let i = 0; i < kinds.length; i++) {
        const k = kinds[(r + i) % kinds.length]
        runs[k.key].push(await measureOnce(k.key, clients))
      }
    }
  } finally {
    await clients.stop()
  }

  const stats = Object.fromEntries(
    kinds.map((k) => [
      k.key,
      {
        rss: summarize(runs[k.key].map((x) => x.rssPerConnection)),
        heapUsed: summarize(runs[k.key].map((x) => x.heapUsedPerConnection)),
        external: summarize(runs[k.key].map((x) => x.externalPerConnection)),
      },
    ]),
  )
  printTable(
    [
      ['server', 'RSS/connection', 'spread', 'heapUsed/connection', 'spread', 'external/connection', 'RSS vs raw ws', 'heap vs raw ws'],
      ...kinds.map((k) => {
        const s = stats[k.key]
        return [
          k.label,
          fmtBytes(s.rss.median),
          fmtSpread(s.rss.spread),
          fmtBytes(s.heapUsed.median),
          fmtSpread(s.heapUsed.spread),
          fmtBytes(s.external.median),
          fmtRatio(s.rss.median / stats.rawWs.rss.median),
          fmtRatio(s.heapUsed.median / stats.rawWs.heapUsed.median),
        ]
      }),
    ],
    { title: `memory per idle connection: ${fmtInt(CONNECTIONS)} connections, ${REPEATS} fresh server processes per kind, medians` },
  )

  const rssRatio = ratio(stats.mockWs.rss, stats.rawWs.rss, false)
  const heapRatio = ratio(stats.mockWs.heapUsed, stats.rawWs.heapUsed, false)
  const roundAll = (s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round(v, 1)]))
  writeResults('memory', {
    connections: CONNECTIONS,
    requestedConnections: REQUESTED,
    fdLimit: Number.isFinite(fdLimit) ? fdLimit : null,
    repeats: REPEATS,
    bytesPerConnection: Object.fromEntries(
      kinds.map((k) => [k.key, { label: k.label, rss: roundAll(stats[k.key].rss), heapUsed: roundAll(stats[k.key].heapUsed), external: roundAll(stats[k.key].external) }]),
    ),
    runs,
    ratios: { rss: round(rssRatio.ratio), rssRange: [round(rssRatio.low), round(rssRatio.high)], heapUsed: round(heapRatio.ratio) },
    summary: [
      {
        metric: `memory: RSS per idle connection (${fmtInt(CONNECTIONS)})`,
        value: fmtBytes(stats.mockWs.rss.median),
        baseline: fmtBytes(stats.rawWs.rss.median),
        ratio: round(rssRatio.ratio),
        target: `≤ ${TARGET_RSS_VS_RAW.toFixed(2)}×`,
        met: rssRatio.ratio <= TARGET_RSS_VS_RAW,
      },
      {
        metric: `memory: heapUsed per idle connection (${fmtInt(CONNECTIONS)})`,
        value: fmtBytes(stats.mockWs.heapUsed.median),
        baseline: fmtBytes(stats.rawWs.heapUsed.median),
        ratio: round(heapRatio.ratio),
        target: `≤ ${TARGET_HEAP_VS_RAW.toFixed(2)}×`,
        met: heapRatio.ratio <= TARGET_HEAP_VS_RAW,
      },
    ],
  })
}
