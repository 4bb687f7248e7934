import { afterEach, describe, expect, test, vi } from 'vitest'
import { MAX_TIMER_DELAY_MS } from '../../src/constants.js'
import { mockWs } from '../../src/server/builder.js'
import { setLongTimeout } from '../../src/server/long-timeout.js'
import { MessageQueue } from '../../src/server/message-queue.js'
import { closeAllMocks } from '../../src/server/registry.js'
import { connectClient } from '../support/client.js'

afterEach(async () => {
  vi.useRealTimers()
  await closeAllMocks()
})

describe('setLongTimeout', () => {
  test('a delay beyond 2^31-1 ms does not fire after the 1 ms an overflowing setTimeout would, but when due', () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    const timer = setLongTimeout(fn, 2 ** 31 + 5000)
    vi.advanceTimersByTime(1)
    expect(fn).not.toHaveBeenCalled()
    expect(timer.pending).toBe(true)
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(MAX_TIMER_DELAY_MS - 1)
    expect(fn).not.toHaveBeenCalled()
    expect(timer.pending).toBe(true)
    vi.advanceTimersByTime(5000)
    expect(fn).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(fn).toHaveBeenCalledTimes(1)
    expect(timer.pending).toBe(false)
    expect(vi.getTimerCount()).toBe(0)
  })

  test('clear() cancels it in any chunk; short delays behave as setTimeout', () => {
    vi.useFakeTimers()
    const late = vi.fn()
    const timer = setLongTimeout(late, 3 * MAX_TIMER_DELAY_MS)
    vi.advanceTimersByTime(MAX_TIMER_DELAY_MS + 10)
    timer.clear()
    expect(timer.pending).toBe(false)
    expect(vi.getTimerCount()).toBe(0)
    vi.advanceTimersByTime(3 * MAX_TIMER_DELAY_MS)
    expect(late).not.toHaveBeenCalled()
    const soon = vi.fn()
    setLongTimeout(soon, 10)
    vi.advanceTimersByTime(10)
    expect(soon).toHaveBeenCalledTimes(1)
  })

  test('MessageQueue.take() with a far-future timeout keeps waiting', async () => {
    vi.useFakeTimers()
    const queue = new MessageQueue<string>()
    const taken = queue.take(2 ** 31 + 1)
    vi.advanceTimersByTime(10)
    queue.push('late but fine')
    await expect(taken).resolves.toBe('late but fine')
  })

  test('a NaN timeout is refused instead of waiting forever', async () => {
    const ws = await mockWs()
    const error = await ws.nextMessage({ timeout: Number.NaN }).catch((e: unknown) => e as Error)
    expect((error as Error).message.replace(ws.url, 'URL')).toMatchInlineSnapshot(`"Failed to wait for a client message on URL: the timeout is NaN. Pass a number of ms, e.g. { timeout: 1000 }."`)
  })
})

describe('far-future times on a real server', () => {
  test('delay(2 ** 31), a ts beyond 2^31-1 and a step timeoutMs beyond it neither fire nor time out early', async () => {
    const far = await mockWs()
      .send('a')
      .delay(2 ** 31)
      .send('b')
    const farTs = await mockWs().replay([
      { ts: 0, dir: 'out', text: 'x' },
      { ts: 3_000_000_000, dir: 'out', text: 'y' },
    ])
    const farWait = await mockWs().expect('never sent', { timeoutMs: 2 ** 31 + 1 })
    // A mock that speaks after a real 200 ms: by then, overflowing timers (1 ms) would have fired long ago.
    const ticker = await mockWs().delay(200).send('tick')

    const a = await connectClient(far.url)
    const x = await connectClient(farTs.url)
    const w = await connectClient(farWait.url)
    expect(await a.next()).toBe('a')
    expect(await x.next()).toBe('x')
    const t = await connectClient(ticker.url)
    expect(await t.next()).toBe('tick')
    expect(a.received).toEqual(['a'])
    expect(x.received).toEqual(['x'])
    expect(w.received).toEqual([])
    expect(farWait.failures).toEqual([])
    for (const client of [a, x, w, t]) await client.close()
  })
})
