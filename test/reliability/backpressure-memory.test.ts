import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { connectClient } from '../support/client.js'
import { rawUpgrade } from './support.js'

/** docs/reliability.md: a non-reading client costs the server at most this much RSS (measured: about 4 MiB; 94 MiB before backpressure). */
const MAX_RSS_GROWTH_BYTES = 16 * 1024 * 1024

// The server runs the built package in its own process, so its RSS is not the test runner's and a full GC is real.
const SERVER = `
  import { mockWs } from './dist/index.js'
  const text = 'x'.repeat(1000)
  const ws = await mockWs().replay(Array.from({ length: 100_000 }, () => ({ ts: 0, dir: 'out', text })))
  const rss = () => { globalThis.gc(); globalThis.gc(); return process.memoryUsage().rss }
  const baseline = rss()
  process.on('message', async (m) => {
    if (m === 'measure') process.send({ rss: rss() - baseline, out: ws.metrics.messagesOut, buffered: ws.connections[0]?.bufferedAmount ?? 0 })
    if (m === 'close') { await ws.close(); process.exit(0) }
  })
  process.send({ port: ws.port, url: ws.url })
`

interface Report {
  port?: number
  url?: string
  rss?: number
  out?: number
  buffered?: number
}

let child: ChildProcess | undefined
afterEach(() => {
  child?.kill()
  child = undefined
})

function nextReport(proc: ChildProcess): Promise<Report> {
  return new Promise((resolve, reject) => {
    proc.once('message', (m) => resolve(m as Report))
    proc.once('exit', (code) => reject(new Error(`server process exited (${code})`)))
  })
}

describe('memory of a server streaming to a client that never reads (item 6)', () => {
  it(`RSS grows by less than ${MAX_RSS_GROWTH_BYTES / 1024 / 1024} MiB while a 100k-entry replay streams, and a fresh client is served`, async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url))
    const proc = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', SERVER], { cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    child = proc
    const { port, url } = await nextReport(proc)
    const stalled = await rawUpgrade(port as number)
    stalled.socket.pause()
    // Poll the server until its replay is paused on the full buffer (no timers in the test itself).
    let report: Report = {}
    for (let i = 0; i < 2000; i++) {
      proc.send('measure')
      report = await nextReport(proc)
      if ((report.buffered ?? 0) > 1024 * 1024) break
    }
    expect(report.buffered).toBeGreaterThan(1024 * 1024)
    // Measured while the stalled client is the only one: the buffers it holds up, not a reader's transcript.
    expect(report.rss).toBeLessThan(MAX_RSS_GROWTH_BYTES)
    const fresh = await connectClient(url as string)
    expect(await fresh.next()).toBe('x'.repeat(1000))
    await fresh.close()
    stalled.destroy()
    proc.send('close')
    await new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  }, 60_000)
})
