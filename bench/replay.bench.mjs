// Replay files: load + parse + validate time for 1k, 100k and 1M-line files (lines/s, and whether
// the time per line stays flat as files grow), against reading the same file and JSON.parse-ing
// every line (the least any JSON Lines reader does), both from a file (loadReplay(path)) and in
// memory (parseReplay(text) against split + JSON.parse of the same text); then playback of 100k `ts=0` entries through
// mockWs().replay() against a raw `ws` server sending the same texts in a loop (the target row), and the same loop
// corked per ~1 KiB as the mock's player does (what write batching alone is worth).
//
//   npx tsup && node --expose-gc bench/replay.bench.mjs
// node-flags: --expose-gc
//
// Env: BENCH_REPLAY_SIZES (default "1000,100000,1000000"), BENCH_REPLAY_PLAY_ENTRIES (default 100000),
// BENCH_REPLAY_PLAY_ROUNDS (default 5), MOCKFORGE_WS_BENCH_ENTRY.
// Writes bench/results/replay.json.
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { WebSocketServer } from 'ws'
import { startClientProcess } from './lib/client-process.mjs'
import { ratio, round, summarize } from './lib/stats.mjs'
import { envNumber, loadLibrary, writeResults } from './lib/results.mjs'
import { fmtInt, fmtMs, fmtRatio, fmtSpread, printTable } from './lib/table.mjs'

const SIZES = (process.env.BENCH_REPLAY_SIZES ?? '1000,100000,1000000').split(',').map(Number)
const PLAY_ENTRIES = envNumber('BENCH_REPLAY_PLAY_ENTRIES', 100_000)
const PLAY_ROUNDS = envNumber('BENCH_REPLAY_PLAY_ROUNDS', 5)
const TARGET_LINES_PER_SECOND = 500_000
/** Largest growth of the per-line time from the smallest to the largest file still called linear. */
const TARGET_FLATNESS = 1.5
/** Enough repetitions that every size is timed over at least this much work, with at least MIN_REPS samples. */
const MIN_LINES_PER_SIZE = 1_000_000
const MIN_REPS = 3
const GC_BETWEEN_RUNS_FROM = 100_000

const { loadReplay, parseReplay } = await loadLibrary('replay')

/**
 * A recorded session as mockforge-ws writes it: mostly server messages (JSON as text), client
 * messages, a template every tenth line, a regex wait every twentieth, a few binary frames.
 */
function line(i) {
  const ts = i * 5
  switch (i % 20) {
    case 3:
    case 13:
      return `{"ts":${ts},"dir":"in","text":"{\\"type\\":\\"ack\\",\\"seq\\":${i}}"}`
    case 7:
      return `{"ts":${ts},"dir":"in","match":"^\\\\{\\"type\\":\\"subscribe\\",\\"channel\\":\\"(?<channel>[a-z]+)\\"\\\\}$"}`
    case 9:
    case 19:
      return `{"ts":${ts},"dir":"out","text":"{\\"type\\":\\"event\\",\\"id\\":\\"{{uuid}}\\",\\"at\\":\\"{{now}}\\",\\"seq\\":{{seq}}}"}`
    case 11:
      return `{"ts":${ts},"dir":"out","text":"{\\"type\\":\\"welcome\\"}","waitFor":"^READY( \\\\d+)?$","timeoutMs":2000}`
    case 17:
      return `{"ts":${ts},"dir":"out","binary":"AAECAwQFBgcICQoLDA0ODw=="}`
    default:
      return `{"ts":${ts},"dir":"out","text":"{\\"type\\":\\"tick\\",\\"symbol\\":\\"ACME\\",\\"price\\":${(100 + (i % 997) / 100).toFixed(2)},\\"seq\\":${i}}"}`
  }
}

function fileText(lines) {
  const out = new Array(lines)
  for (let i = 0; i < lines; i++) out[i] = line(i)
  return `${out.join('\n')}\n`
}

/** The least a JSON Lines reader does: read the file, split it, JSON.parse every line. */
function baselineLoad(file) {
  return baselineParse(readFileSync(file, 'utf8'))
}

/** The same in memory: split the text, JSON.parse every line. */
function baselineParse(text) {
  const lines = text.split('\n')
  const entries = []
  for (const l of lines) if (l !== '') entries.push(JSON.parse(l))
  return entries
}

const dir = mkdtempSync(join(tmpdir(), 'mockforge-ws-bench-'))
const parse = {}
try {
  for (const size of SIZES) {
    const file = join(dir, `session-${size}.jsonl`)
    const text = fileText(size)
    writeFileSync(file, text)
    const reps = Math.max(MIN_REPS, Math.ceil(MIN_LINES_PER_SIZE / size))
    const ours = []
    const base = []
    const oursMem = []
    const baseMem = []
    // Warm-up at this size (JIT, file cache), then alternate so both see the same machine state.
    {
      const replay = await loadReplay(file)
      if (replay.steps.length !== size) throw new Error(`loadReplay gave ${replay.steps.length} steps for ${size} lines`)
      baselineLoad(file)
    }
    // A full GC between large runs so each starts from the same heap, not the previous run's garbage.
    const collect = size >= GC_BETWEEN_RUNS_FROM ? () => globalThis.gc?.() : () => undefined
    for (let r = 0; r < reps; r++) {
      collect()
      let start = performance.now()
      await loadReplay(file)
      ours.push(performance.now() - start)
      collect()
      start = performance.now()
      baselineLoad(file)
      base.push(performance.now() - start)
      collect()
      start = performance.now()
      parseReplay(text)
      oursMem.push(performance.now() - start)
      collect()
      start = performance.now()
      baselineParse(text)
      baseMem.push(performance.now() - start)
    }
    const o = summarize(ours)
    const b = summarize(base)
    const om = summarize(oursMem)
    const bm = summarize(baseMem)
    parse[size] = {
      reps,
      ms: o,
      baselineMs: b,
      linesPerSecond: size / (o.median / 1000),
      nsPerLine: (o.median * 1e6) / size,
      baselineNsPerLine: (b.median * 1e6) / size,
      memMs: om,
      memBaselineMs: bm,
      memNsPerLine: (om.median * 1e6) / size,
      memBaselineNsPerLine: (bm.median * 1e6) / size,
    }
    rmSync(file)
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}

const smallest = parse[SIZES[0]]
const largest = parse[SIZES[SIZES.length - 1]]
const flatness = largest.nsPerLine / smallest.nsPerLine
// The same growth for read + JSON.parse alone: what the heap (GC of everything a run keeps) costs
// any reader, as opposed to work of the parser that grows with the file.
const baselineFlatness = largest.baselineNsPerLine / smallest.baselineNsPerLine
const memFlatness = largest.memNsPerLine / smallest.memNsPerLine
const memBaselineFlatness = largest.memBaselineNsPerLine / smallest.memBaselineNsPerLine
const minRate = Math.min(...SIZES.map((s) => parse[s].linesPerSecond))
printTable(
  [
    ['lines', 'source', 'reps', 'median', 'spread', 'lines/s', 'ns/line', 'JSON.parse ns/line', 'vs JSON.parse'],
    ...SIZES.flatMap((s) => {
      const p = parse[s]
      return [
        [fmtInt(s), 'file: loadReplay vs read+JSON.parse', p.reps, fmtMs(p.ms.median), fmtSpread(p.ms.spread), fmtInt(p.linesPerSecond), Math.round(p.nsPerLine), Math.round(p.baselineNsPerLine), fmtRatio(p.nsPerLine / p.baselineNsPerLine)],
        ['', 'memory: parseReplay vs split+JSON.parse', p.reps, fmtMs(p.memMs.median), fmtSpread(p.memMs.spread), fmtInt(s / (p.memMs.median / 1000)), Math.round(p.memNsPerLine), Math.round(p.memBaselineNsPerLine), fmtRatio(p.memNsPerLine / p.memBaselineNsPerLine)],
      ]
    }),
  ],
  { title: 'replay load + parse + validate (file on tmpfs/disk cache, 10% templates, 5% regex waits)' },
)
console.log(
  `ns/line growth ${fmtInt(SIZES[SIZES.length - 1])} vs ${fmtInt(SIZES[0])} lines: file ${fmtRatio(flatness)} (JSON.parse ${fmtRatio(baselineFlatness)}), memory ${fmtRatio(memFlatness)} (JSON.parse ${fmtRatio(memBaselineFlatness)})`,
)

// ---------------------------------------------------------------------------------------------
// Playback: 100k ts=0 entries, timed in a client process from connecting to the last message.

const PLAY_TEXT = (i) => `{"type":"tick","symbol":"ACME","seq":${i}}`
const playEntries = Array.from({ length: PLAY_ENTRIES }, (_, i) => ({ ts: 0, dir: 'out', text: PLAY_TEXT(i) }))
const playTexts = playEntries.map((e) => e.text)
const { mockWs } = await loadLibrary('replay')

/** A raw `ws` server on a free port that runs `onConnection` for each client. */
async function rawServer(onConnection) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/ws' })
  await once(wss, 'listening')
  wss.on('connection', onConnection)
  return { url: `ws://127.0.0.1:${wss.address().port}/ws`, close: () => new Promise((resolve) => wss.close(resolve)) }
}

const playCases = [
  {
    key: 'rawWs',
    label: 'raw ws: for-loop of socket.send()',
    start: () =>
      rawServer((socket) => {
        for (const text of playTexts) socket.send(text)
      }),
  },
  {
    // The same loop writing ~1 KiB per system call, as the mock does (SEND_BATCH_BYTES): what batching alone is worth.
    key: 'rawWsBatched',
    label: 'raw ws: the same loop, corked per ~1 KiB',
    start: () =>
      rawServer((socket) => {
        const tcp = socket._socket
        let corked = 0
        tcp.cork()
        for (const text of playTexts) {
          if ((corked += text.length + 2) >= 1024) {
            tcp.uncork()
            tcp.cork()
            corked = 0
          }
          socket.send(text)
        }
        tcp.uncork()
      }),
  },
  {
    key: 'mockWs',
    label: `mockWs().replay(${fmtInt(PLAY_ENTRIES)} entries)`,
    async start() {
      const ws = await mockWs().replay(playEntries)
      return { url: ws.url, close: () => ws.close() }
    },
  },
]

const clients = await startClientProcess()
const play = Object.fromEntries(playCases.map((c) => [c.key, { ms: [], cpuNs: [] }]))
try {
  const once1 = async (c) => {
    const server = await c.start()
    try {
      const cpu = process.cpuUsage()
      const { elapsedMs } = await clients.call('receive', { url: server.url, count: PLAY_ENTRIES })
      const used = process.cpuUsage(cpu)
      return { elapsedMs, cpuNs: ((used.user + used.system) * 1000) / PLAY_ENTRIES }
    } finally {
      await server.close()
    }
  }
  for (const c of playCases) await once1(c)
  for (let r = 0; r < PLAY_ROUNDS; r++) {
    for (let k = 0; k < playCases.length; k++) {
      const c = playCases[(r + k) % playCases.length]
      const { elapsedMs, cpuNs } = await once1(c)
      play[c.key].ms.push(elapsedMs)
      play[c.key].cpuNs.push(cpuNs)
    }
  }
} finally {
  await clients.stop()
}
const playStats = Object.fromEntries(playCases.map((c) => [c.key, { ms: summarize(play[c.key].ms), cpuNs: summarize(play[c.key].cpuNs) }]))
const playRatio = ratio(playStats.mockWs.ms, playStats.rawWs.ms, false)
printTable(
  [
    ['server', 'connect → last message', 'spread', 'msgs/s', 'server CPU/msg', 'time vs raw ws'],
    ...playCases.map((c) => {
      const s = playStats[c.key]
      return [c.label, fmtMs(s.ms.median), fmtSpread(s.ms.spread), fmtInt(PLAY_ENTRIES / (s.ms.median / 1000)), `${fmtInt(s.cpuNs.median)} ns`, fmtRatio(s.ms.median / playStats.rawWs.ms.median)]
    }),
  ],
  { title: `playback of ${fmtInt(PLAY_ENTRIES)} ts=0 text entries to one client (${PLAY_ROUNDS} rounds, client in a child process)` },
)

const roundAll = (s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round(v, 4)]))
writeResults('replay', {
  parse: Object.fromEntries(
    SIZES.map((s) => [
      s,
      {
        reps: parse[s].reps,
        ms: roundAll(parse[s].ms),
        baselineMs: roundAll(parse[s].baselineMs),
        linesPerSecond: Math.round(parse[s].linesPerSecond),
        nsPerLine: round(parse[s].nsPerLine, 1),
        baselineNsPerLine: round(parse[s].baselineNsPerLine, 1),
        memory: {
          ms: roundAll(parse[s].memMs),
          baselineMs: roundAll(parse[s].memBaselineMs),
          nsPerLine: round(parse[s].memNsPerLine, 1),
          baselineNsPerLine: round(parse[s].memBaselineNsPerLine, 1),
        },
      },
    ]),
  ),
  perLineGrowth: round(flatness),
  baselinePerLineGrowth: round(baselineFlatness),
  memoryPerLineGrowth: round(memFlatness),
  memoryBaselinePerLineGrowth: round(memBaselineFlatness),
  playback: {
    entries: PLAY_ENTRIES,
    rounds: PLAY_ROUNDS,
    cases: Object.fromEntries(playCases.map((c) => [c.key, { label: c.label, ms: roundAll(playStats[c.key].ms), serverCpuNsPerMessage: roundAll(playStats[c.key].cpuNs) }])),
    mockWsVsRawWsTime: round(playRatio.ratio),
    mockWsVsRawWsTimeRange: [round(playRatio.low), round(playRatio.high)],
    mockWsVsBatchedRawWsTime: round(ratio(playStats.mockWs.ms, playStats.rawWsBatched.ms, false).ratio),
  },
  summary: [
    {
      metric: `replay parse: lines/s (slowest of ${SIZES.map(fmtInt).join(', ')} lines)`,
      value: fmtInt(minRate),
      baseline: `${fmtInt(Math.min(...SIZES.map((s) => s / (parse[s].baselineMs.median / 1000))))} (read+JSON.parse)`,
      ratio: round(Math.max(...SIZES.map((s) => parse[s].nsPerLine / parse[s].baselineNsPerLine))),
      target: `≥ ${fmtInt(TARGET_LINES_PER_SECOND)} lines/s`,
      met: minRate >= TARGET_LINES_PER_SECOND,
    },
    {
      metric: `replay parse: time/line ${fmtInt(SIZES[SIZES.length - 1])} vs ${fmtInt(SIZES[0])} lines`,
      value: `${Math.round(largest.nsPerLine)} ns`,
      baseline: `${Math.round(smallest.nsPerLine)} ns (read+JSON.parse grows ${fmtRatio(baselineFlatness)})`,
      ratio: round(flatness),
      target: `≤ ${TARGET_FLATNESS.toFixed(2)}× (linear)`,
      met: flatness <= TARGET_FLATNESS,
    },
    {
      metric: `replay parse in memory: time/line ${fmtInt(SIZES[SIZES.length - 1])} vs ${fmtInt(SIZES[0])} lines`,
      value: `${Math.round(largest.memNsPerLine)} ns`,
      baseline: `${Math.round(smallest.memNsPerLine)} ns (split+JSON.parse grows ${fmtRatio(memBaselineFlatness)})`,
      ratio: round(memFlatness),
      target: `≤ ${TARGET_FLATNESS.toFixed(2)}× (linear)`,
      met: memFlatness <= TARGET_FLATNESS,
    },
    {
      metric: `replay playback: ${fmtInt(PLAY_ENTRIES)} ts=0 entries vs raw send loop (rate)`,
      value: fmtMs(playStats.mockWs.ms.median),
      baseline: fmtMs(playStats.rawWs.ms.median),
      ratio: round(1 / playRatio.ratio),
      target: '≥ 0.95×',
      met: 1 / playRatio.ratio >= 0.95,
    },
  ],
})
