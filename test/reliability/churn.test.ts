import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { MAX_RETAINED_CONNECTIONS } from '../../src/constants.js'
import { closeAllMocks, liveMockCount, mockWs } from '../../src/index.js'
import { connectClient } from '../support/client.js'
import { watchLeaks } from '../support/leaks.js'
import { expectServed } from './support.js'

afterEach(async () => {
  await closeAllMocks()
  expect(liveMockCount()).toBe(0)
})

/** A real collector, without a CLI flag: the flag is set at runtime and `gc` read from a fresh context. */
function getGc(): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

function heapAfterGc(gc: () => void): number {
  for (let i = 0; i < 3; i++) gc()
  return process.memoryUsage().heapUsed
}

const CYCLES = 1000
/** Heap growth allowed over the measured cycles after a full GC (noise on a 2-core machine is well under this). */
const MAX_HEAP_GROWTH_BYTES = 2 * 1024 * 1024
const PARALLEL = 10

async function churn(url: string, cycles: number): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < cycles) {
      const n = next++
      const client = await connectClient(url)
      client.send(`hello ${n}`)
      await client.next()
      await client.close()
    }
  }
  await Promise.all(Array.from({ length: PARALLEL }, worker))
}

describe('connection churn', () => {
  it(`${CYCLES} connect/disconnect cycles leave memory near the baseline and nothing open`, async () => {
    const leaks = watchLeaks()
    const gc = getGc()
    const ws = await mockWs({ maxTranscript: 100 })
    // Warm up past the retained-connection history, so what is measured is growth per extra cycle.
    const warmUp = MAX_RETAINED_CONNECTIONS + Math.ceil(MAX_RETAINED_CONNECTIONS / 10) + 50
    await churn(ws.url, warmUp)
    const before = heapAfterGc(gc)
    const start = performance.now()
    await churn(ws.url, CYCLES)
    const elapsed = performance.now() - start
    const after = heapAfterGc(gc)
    const growth = after - before
    console.log(`churn: ${CYCLES} cycles in ${elapsed.toFixed(0)} ms, heap ${(before / 1e6).toFixed(1)} → ${(after / 1e6).toFixed(1)} MB (${(growth / CYCLES).toFixed(0)} B/cycle)`)
    expect(ws.metrics).toMatchObject({ connectionsActive: 0, connectionsTotal: CYCLES + warmUp })
    // Before the history was bounded every closed connection stayed reachable: about 5.9 KB per cycle.
    expect(growth).toBeLessThan(MAX_HEAP_GROWTH_BYTES)
    // nextConnection() still hands out connections: the oldest one not forgotten.
    expect((await ws.nextConnection()).id).toBe(CYCLES + warmUp - MAX_RETAINED_CONNECTIONS + 1)
    await expectServed(ws)
    await ws.close()
    await leaks.expectNone()
  }, 60_000)

  it(`${CYCLES} connections dropped abruptly (no close frame) in a tight loop leave nothing behind`, async () => {
    const leaks = watchLeaks()
    const ws = await mockWs({ maxTranscript: 100 })
    for (let i = 0; i < CYCLES; i++) {
      const client = await connectClient(ws.url)
      client.socket.terminate()
      await client.closed
    }
    await vi.waitFor(() => expect(ws.metrics.connectionsActive).toBe(0), { timeout: 5000 })
    expect(ws.metrics.connectionsTotal).toBe(CYCLES)
    expect(ws.connections).toHaveLength(0)
    await expectServed(ws)
    await ws.close()
    await leaks.expectNone()
  }, 60_000)
})
