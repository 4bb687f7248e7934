// The `clock` option under Vitest's fake timers: 'real' (default) ignores them, 'fake' follows them, and
// close() never hangs whichever clock a mock has and whatever the test did to the timers.
import { afterEach, describe, test, vi } from 'vitest'
import { closeAllMocks, liveMockCount, mockWs, MockWsTimeoutError } from '../../src/index.js'
import { expect } from '../../src/integrations/vitest.js'
import { connectClient } from '../support/client.js'

// Captured before any test fakes the timers: the bounds of the "does not hang" checks.
const realSetTimeout = globalThis.setTimeout
const realClearTimeout = globalThis.clearTimeout
const realDateNow = Date.now

/** Resolves or rejects as `promise` does, or rejects once `ms` of real time have passed. */
async function within<T>(promise: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const bound = new Promise<never>((_, reject) => {
    timer = realSetTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms of real time`)), ms)
  })
  try {
    return await Promise.race([promise, bound])
  } finally {
    realClearTimeout(timer)
  }
}

/**
 * Polls `check` on the real clock until it holds (vi.waitFor would advance the fake clock, which would
 * release a mock on the fake clock too and prove nothing about the real one).
 */
async function pollUntil(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const start = realDateNow()
  while (!check()) {
    if (realDateNow() - start > ms) throw new Error(`${what}: not within ${ms} ms of real time`)
    await new Promise<void>((resolve) => realSetTimeout(resolve, 10))
  }
}

/** Settles what a fake-timer advance released: the socket I/O it caused is real. */
async function pending<T>(promise: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([promise, new Promise<'pending'>((resolve) => realSetTimeout(() => resolve('pending'), 50))])
}

const EVERYTHING = ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'Date', 'performance'] as const

afterEach(async () => {
  vi.useRealTimers()
  await closeAllMocks()
})

describe.each([
  ['vi.useFakeTimers()', undefined],
  [`toFake: ${EVERYTHING.join(', ')}`, { toFake: [...EVERYTHING] }],
])("clock: 'real' (default) under %s", (_name, config) => {
  const fake = (): void => {
    vi.useFakeTimers(config)
    vi.setSystemTime(Date.UTC(2030, 0, 1))
  }

  test('a delayed send and latency play on real time, without advancing the fake clock', async () => {
    const ws = await mockWs().latency(20).send('now').delay(200).send('later')
    fake()
    const client = await within(connectClient(ws.url), 'connecting')
    expect(await within(client.next(), 'the first send')).toBe('now')
    expect(await within(client.next(), 'the delayed send')).toBe('later')
    await within(client.close(), 'the client close')
  })

  test('a script wait times out on real time', async () => {
    const ws = await mockWs({ timeoutMs: 150 }).expect('hello').send('never sent')
    fake()
    const client = await within(connectClient(ws.url), 'connecting')
    await pollUntil(() => ws.failures.length > 0, 'the wait timeout')
    expect(ws.failures.map((f) => f.kind)).toEqual(['wait-timeout'])
    await within(client.close(), 'the client close')
  })

  test('nextMessage and nextConnection time out on real time', async () => {
    const ws = await mockWs()
    fake()
    await expect(within(ws.nextMessage({ timeout: 100 }), 'nextMessage')).rejects.toBeInstanceOf(MockWsTimeoutError)
    await expect(within(ws.nextConnection({ timeout: 100 }), 'nextConnection')).rejects.toThrow('Timed out after 100 ms waiting for a connection')
  })

  test('toReceiveMessage polls on real time', async () => {
    const ws = await mockWs()
    const client = await connectClient(ws.url)
    fake()
    const assertion = expect(ws).toReceiveMessage('late', { timeout: 5000 })
    client.send('late')
    await within(assertion, 'toReceiveMessage')
    await expect(within(expect(ws).toReceiveMessage('never', { timeout: 100 }), 'a failing toReceiveMessage')).rejects.toThrow('within 100 ms')
    await within(client.close(), 'the client close')
  })

  test('{{now}} is the real time, not the fake system time', async () => {
    const ws = await mockWs().send('{{now}}')
    fake()
    const before = realDateNow()
    const client = await within(connectClient(ws.url), 'connecting')
    const now = Date.parse(String(await within(client.next(), 'the {{now}} send')))
    expect(now).toBeGreaterThanOrEqual(before)
    expect(now).toBeLessThanOrEqual(realDateNow())
    expect(new Date(now).getUTCFullYear()).not.toBe(2030)
    await within(client.close(), 'the client close')
  })

  // Regression: close() awaited two setImmediate turns and a close-handshake timer on the global (fake)
  // timers, so it never resolved and an afterEach(closeAllMocks) hung the run.
  test('close() completes promptly with a client still connected', async () => {
    const ws = await mockWs().send('hi')
    const client = await connectClient(ws.url)
    await client.next()
    fake()
    await within(ws.close(), 'ws.close()')
    expect((await within(client.closed, 'the client side')).code).toBe(1001)
  })

  test('closeAllMocks() completes promptly, even when a client never answers the close frame', async () => {
    const answering = await mockWs()
    const silent = await mockWs()
    const a = await connectClient(answering.url)
    const b = await connectClient(silent.url)
    b.socket.pause() // reads nothing more: the close frame is never answered, the mock drops it after a timeout
    fake()
    await within(closeAllMocks(), 'closeAllMocks()')
    expect(liveMockCount()).toBe(0)
    expect((await within(a.closed, 'the answering client')).code).toBe(1001)
    b.socket.terminate()
  })
})

describe("clock: 'fake' follows vi.useFakeTimers()", () => {
  describe.each([
    ['vi.useFakeTimers()', undefined],
    [`toFake: ${EVERYTHING.join(', ')}`, { toFake: [...EVERYTHING] }],
  ])('%s', (_name, config) => {
    test('advanceTimersByTimeAsync(60_000) releases a delay(60_000) step, and not a ms earlier', async () => {
      vi.useFakeTimers(config)
      const ws = await mockWs({ clock: 'fake' }).send('now').delay(60_000).send('later').send('right after')
      const client = await connectClient(ws.url)
      expect(await client.next()).toBe('now')
      const later = client.next(600_000)
      await vi.advanceTimersByTimeAsync(59_999)
      expect(await pending(later)).toBe('pending')
      await vi.advanceTimersByTimeAsync(1)
      expect(await within(later, 'the delayed send')).toBe('later')
      expect(await within(client.next(600_000), 'the next send')).toBe('right after')
      await within(client.close(), 'the client close')
    })

    test('latency follows the fake clock', async () => {
      vi.useFakeTimers(config)
      const ws = await mockWs({ clock: 'fake' }).latency(30_000).send('delayed')
      const client = await connectClient(ws.url)
      const first = client.next(600_000)
      await vi.advanceTimersByTimeAsync(29_000)
      expect(await pending(first)).toBe('pending')
      await vi.advanceTimersByTimeAsync(1_000)
      expect(await within(first, 'the delayed frame')).toBe('delayed')
      await within(client.close(), 'the client close')
    })

    test('a script wait times out when the fake clock passes its timeout', async () => {
      vi.useFakeTimers(config)
      const ws = await mockWs({ clock: 'fake', timeoutMs: 60_000 }).expect('hello')
      const client = await connectClient(ws.url)
      await ws.nextConnection()
      await vi.advanceTimersByTimeAsync(59_000)
      expect(ws.failures).toEqual([])
      await vi.advanceTimersByTimeAsync(1_000)
      await vi.waitFor(() => expect(ws.failures.map((f) => f.kind)).toEqual(['wait-timeout']))
      await within(client.close(), 'the client close')
    })

    test('nextMessage times out when the fake clock passes its timeout', async () => {
      vi.useFakeTimers(config)
      const ws = await mockWs({ clock: 'fake' })
      const next = ws.nextMessage({ timeout: 60_000 })
      const outcome = next.then(
        () => 'resolved',
        (error: unknown) => error,
      )
      await vi.advanceTimersByTimeAsync(59_999)
      expect(await pending(outcome)).toBe('pending')
      await vi.advanceTimersByTimeAsync(1)
      expect(await within(outcome, 'nextMessage')).toBeInstanceOf(MockWsTimeoutError)
    })

    test('toReceiveMessage waits on the fake clock', async () => {
      vi.useFakeTimers(config)
      const ws = await mockWs({ clock: 'fake' })
      const outcome = expect(ws)
        .toReceiveMessage('never', { timeout: 60_000 })
        .then(
          () => 'passed',
          (error: unknown) => (error as Error).message,
        )
      await vi.advanceTimersByTimeAsync(59_000)
      expect(await pending(outcome)).toBe('pending')
      await vi.advanceTimersByTimeAsync(1_000)
      expect(await within(outcome, 'toReceiveMessage')).toContain('within 60000 ms')
    })

    test('vi.setSystemTime() sets {{now}}', async () => {
      vi.useFakeTimers(config)
      vi.setSystemTime(Date.UTC(2030, 0, 1, 12))
      const ws = await mockWs({ clock: 'fake' }).send('{{now}}').delay(1000).send('{{now}}')
      const client = await connectClient(ws.url)
      expect(await client.next()).toBe('2030-01-01T12:00:00.000Z')
      const second = client.next(600_000)
      await vi.advanceTimersByTimeAsync(1000)
      expect(await within(second, 'the second {{now}}')).toBe('2030-01-01T12:00:01.000Z')
      await within(client.close(), 'the client close')
    })

    test('an explicit now option still wins', async () => {
      vi.useFakeTimers(config)
      const ws = await mockWs({ clock: 'fake', now: () => Date.UTC(2001, 0, 1) }).send('{{now}}')
      const client = await connectClient(ws.url)
      expect(await client.next()).toBe('2001-01-01T00:00:00.000Z')
      await within(client.close(), 'the client close')
    })

    test('close() completes without advancing, even with a delay and latency pending', async () => {
      vi.useFakeTimers(config)
      const ws = await mockWs({ clock: 'fake' }).latency(10_000).send('held').delay(60_000).send('never')
      const client = await connectClient(ws.url)
      await ws.nextConnection()
      await within(ws.close(), 'ws.close()')
      expect((await within(client.closed, 'the client side')).code).toBe(1001)
    })
  })
})

describe('the clock option', () => {
  test('is checked with the other options', async () => {
    await expect(mockWs({ clock: 'slow' as never }).start()).rejects.toThrow(`clock must be 'real' or 'fake' (got "slow")`)
  })
})
