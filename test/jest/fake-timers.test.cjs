// The `clock` option under Jest's modern fake timers (Date, performance, setTimeout, setImmediate, queueMicrotask, …):
// 'real' (default) ignores them, 'fake' follows them, close() never hangs. `process.nextTick` stays real: Node's own
// sockets and HTTP server run on it, so no real socket (the mock's or a client's) can close while it is fake.
const { closeAllMocks, liveMockCount, mockWs, MockWsTimeoutError } = require('mockforge-ws')
const { connectNode } = require('../contract/node-client.cjs')

// Captured before any test fakes the timers: the bounds of the "does not hang" checks.
const realSetTimeout = globalThis.setTimeout
const realClearTimeout = globalThis.clearTimeout
const realDateNow = Date.now

/** Resolves or rejects as `promise` does, or rejects once `ms` of real time have passed. */
async function within(promise, what, ms = 10_000) {
  let timer
  const bound = new Promise((_, reject) => {
    timer = realSetTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms of real time`)), ms)
  })
  try {
    return await Promise.race([promise, bound])
  } finally {
    realClearTimeout(timer)
  }
}

/** Polls `check` on the real clock until it holds (advancing the fake clock would prove nothing about the real one). */
async function pollUntil(check, what, ms = 10_000) {
  const start = realDateNow()
  while (!check()) {
    if (realDateNow() - start > ms) throw new Error(`${what}: not within ${ms} ms of real time`)
    await new Promise((resolve) => realSetTimeout(resolve, 10))
  }
}

/** 'pending' unless `promise` settles within a short real-time look. */
function pending(promise) {
  return Promise.race([promise, new Promise((resolve) => realSetTimeout(() => resolve('pending'), 50))])
}

/** Everything Jest fakes, except process.nextTick (see above). */
const FAKE_TIMERS = { doNotFake: ['nextTick'] }

afterEach(async () => {
  jest.useRealTimers()
  await closeAllMocks()
})

describe("clock: 'real' (default) under jest.useFakeTimers({ doNotFake: ['nextTick'] })", () => {
  const fake = () => {
    jest.useFakeTimers(FAKE_TIMERS)
    jest.setSystemTime(Date.UTC(2030, 0, 1))
  }

  test('a delayed send plays on real time', async () => {
    const ws = await mockWs().send('now').delay(200).send('later')
    const client = await connectNode(ws)
    fake()
    expect(await within(client.next(), 'the first send')).toBe('now')
    expect(await within(client.next(), 'the delayed send')).toBe('later')
  })

  test('a script wait times out on real time', async () => {
    const ws = await mockWs({ timeoutMs: 150 }).expect('hello')
    await connectNode(ws)
    fake()
    await pollUntil(() => ws.failures.length > 0, 'the wait timeout')
    expect(ws.failures.map((f) => f.kind)).toEqual(['wait-timeout'])
  })

  test('nextMessage times out on real time', async () => {
    const ws = await mockWs()
    fake()
    await expect(within(ws.nextMessage({ timeout: 100 }), 'nextMessage')).rejects.toBeInstanceOf(MockWsTimeoutError)
  })

  test('{{now}} is the real time, not the fake system time', async () => {
    const ws = await mockWs().delay(50).send('{{now}}')
    const client = await connectNode(ws)
    fake()
    const now = Date.parse(await within(client.next(), 'the {{now}} send'))
    expect(new Date(now).getUTCFullYear()).not.toBe(2030)
    expect(Math.abs(now - realDateNow())).toBeLessThan(60_000)
  })

  test('close() and closeAllMocks() complete promptly with clients connected', async () => {
    const first = await mockWs()
    const second = await mockWs()
    const a = await connectNode(first)
    const b = await connectNode(second)
    fake()
    await within(first.close(), 'ws.close()')
    await within(closeAllMocks(), 'closeAllMocks()')
    expect(liveMockCount()).toBe(0)
    expect((await within(a.closed, 'the first client')).code).toBe(1001)
    expect((await within(b.closed, 'the second client')).code).toBe(1001)
  })
})

describe("clock: 'fake' follows jest.useFakeTimers({ doNotFake: ['nextTick'] })", () => {
  test('advanceTimersByTimeAsync(60_000) releases a delay(60_000) step', async () => {
    jest.useFakeTimers(FAKE_TIMERS)
    const ws = await mockWs({ clock: 'fake' }).send('now').delay(60_000).send('later')
    const client = await connectNode(ws)
    expect(await within(client.next(), 'the first send')).toBe('now')
    const later = client.next()
    await jest.advanceTimersByTimeAsync(59_999)
    expect(await pending(later)).toBe('pending')
    await jest.advanceTimersByTimeAsync(1)
    expect(await within(later, 'the delayed send')).toBe('later')
  })

  test('a script wait times out when the fake clock passes its timeout', async () => {
    jest.useFakeTimers(FAKE_TIMERS)
    const ws = await mockWs({ clock: 'fake', timeoutMs: 60_000 }).expect('hello')
    await connectNode(ws)
    await within(ws.nextConnection(), 'the connection')
    await jest.advanceTimersByTimeAsync(59_000)
    expect(ws.failures).toEqual([])
    await jest.advanceTimersByTimeAsync(1_000)
    expect(ws.failures.map((f) => f.kind)).toEqual(['wait-timeout'])
  })

  test('nextMessage times out when the fake clock passes its timeout', async () => {
    jest.useFakeTimers(FAKE_TIMERS)
    const ws = await mockWs({ clock: 'fake' })
    const outcome = ws.nextMessage({ timeout: 60_000 }).then(
      () => 'resolved',
      (error) => error,
    )
    await jest.advanceTimersByTimeAsync(59_999)
    expect(await pending(outcome)).toBe('pending')
    await jest.advanceTimersByTimeAsync(1)
    expect(await within(outcome, 'nextMessage')).toBeInstanceOf(MockWsTimeoutError)
  })

  test('jest.setSystemTime() sets {{now}}', async () => {
    jest.useFakeTimers(FAKE_TIMERS)
    jest.setSystemTime(Date.UTC(2030, 0, 1, 12))
    const ws = await mockWs({ clock: 'fake' }).send('{{now}}')
    const client = await connectNode(ws)
    expect(await within(client.next(), 'the {{now}} send')).toBe('2030-01-01T12:00:00.000Z')
  })

  test('close() completes without advancing the fake clock', async () => {
    jest.useFakeTimers(FAKE_TIMERS)
    const ws = await mockWs({ clock: 'fake' }).send('hi').delay(60_000).send('never')
    const client = await connectNode(ws)
    await within(client.next(), 'the first send')
    await within(ws.close(), 'ws.close()')
    expect((await within(client.closed, 'the client side')).code).toBe(1001)
  })
})
