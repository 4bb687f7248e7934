// The session's message stream on its own, on the fake clock: claims, event-driven waits, timeouts, bounds, close.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { MockWsError, MockWsTimeoutError } from '../../src/errors.js'
import type { InboundMessage } from '../../src/session/connection.js'
import { MessageStream } from '../../src/session/message-stream.js'
import { fakeClock } from '../../src/template/clock.js'

let ts = 0
function msg(text: string, connection = 1): InboundMessage {
  return { connection, data: text, text, isBinary: false, ts: ts++ }
}

function bin(bytes: number[], connection = 1): InboundMessage {
  const data = new Uint8Array(bytes)
  return { connection, data, text: Buffer.from(data).toString('base64'), isBinary: true, ts: ts++ }
}

/** A promise's state after the microtasks already queued have run (no timer advance). */
async function state<T>(promise: Promise<T>): Promise<'pending' | { value: T } | { error: unknown }> {
  const marker = Symbol('pending')
  const settled = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  )
  const first = await Promise.race([settled, Promise.resolve().then(() => Promise.resolve(marker))])
  return first === marker ? 'pending' : (first as { value: T } | { error: unknown })
}

const any = { timeoutMs: 1000, describe: 'a client message' }
const text = (m: InboundMessage): string => m.text

beforeEach(() => {
  vi.useFakeTimers()
  ts = 0
})

afterEach(() => {
  vi.useRealTimers()
})

describe('MessageStream', () => {
  test('take() returns held messages oldest first, each once', async () => {
    const stream = new MessageStream({ clock: fakeClock })
    stream.push(msg('a'))
    stream.push(msg('b'))
    expect(text(await stream.take(any))).toBe('a')
    expect(text(await stream.take(any))).toBe('b')
    expect(stream.unclaimedCount).toBe(0)
    expect(stream.size).toBe(2)
  })

  test('a waiter is woken by the push that satisfies it, with no timer advance', async () => {
    const stream = new MessageStream({ clock: fakeClock })
    const waiting = stream.take({ ...any, match: (m) => m.text === 'wanted' })
    stream.push(msg('other'))
    expect(await state(waiting)).toBe('pending')
    stream.push(msg('wanted'))
    expect(await state(waiting)).toEqual({ value: expect.objectContaining({ text: 'wanted' }) })
    // It was claimed by the waiter; the other one stays for the next consumer.
    expect(stream.unclaimedCount).toBe(1)
    expect(text(await stream.take(any))).toBe('other')
    expect(vi.getTimerCount()).toBe(0)
  })

  test('the oldest matching unclaimed message wins; claimed ones are skipped by every consumer', async () => {
    const stream = new MessageStream({ clock: fakeClock })
    for (const t of ['x1', 'y1', 'x2']) stream.push(msg(t))
    const isX = (m: InboundMessage): boolean => m.text.startsWith('x')
    expect(text(await stream.take({ ...any, match: isX }))).toBe('x1')
    expect(text(await stream.take(any))).toBe('y1')
    expect(text(await stream.take(any))).toBe('x2')
    expect(stream.takeNow({ match: isX })).toBeUndefined()
  })

  test('connection scopes a take, in held messages and in waits', async () => {
    const stream = new MessageStream({ clock: fakeClock })
    stream.push(msg('from 1', 1))
    const onTwo = stream.take({ ...any, connection: 2 })
    expect(await state(onTwo)).toBe('pending')
    stream.push(msg('also 1', 1))
    stream.push(msg('from 2', 2))
    expect(await state(onTwo)).toEqual({ value: expect.objectContaining({ text: 'from 2', connection: 2 }) })
    expect(stream.seen({ connection: 1 }).unclaimed.map(text)).toEqual(['from 1', 'also 1'])
  })

  test('waiters are served in the order they started; one message satisfies one claiming waiter', async () => {
    const stream = new MessageStream({ clock: fakeClock })
    const first = stream.take(any)
    const second = stream.take(any)
    stream.push(msg('one'))
    expect(await state(first)).toEqual({ value: expect.objectContaining({ text: 'one' }) })
    expect(await state(second)).toBe('pending')
    stream.push(msg('two'))
    expect(await state(second)).toEqual({ value: expect.objectContaining({ text: 'two' }) })
  })

  test('claim: false observes without taking, and does not hide the message from a claiming waiter after it', async () => {
    const stream = new MessageStream({ clock: fakeClock })
    const observer = stream.take({ ...any, claim: false })
    const taker = stream.take(any)
    stream.push(msg('seen by both'))
    expect(await state(observer)).toEqual({ value: expect.objectContaining({ text: 'seen by both' }) })
    expect(await state(taker)).toEqual({ value: expect.objectContaining({ text: 'seen by both' }) })
    expect(stream.unclaimedCount).toBe(0)
    stream.push(msg('held'))
    expect(stream.takeNow({ claim: false })?.text).toBe('held')
    expect(stream.unclaimedCount).toBe(1)
  })

  test('a timeout rejects on the fake clock exactly when due, naming what was awaited', async () => {
    const stream = new MessageStream({ clock: fakeClock })
    const waiting = stream.take({ timeoutMs: 60_000, describe: '"hello"' })
    await vi.advanceTimersByTimeAsync(59_999)
    expect(await state(waiting)).toBe('pending')
    await vi.advanceTimersByTimeAsync(1)
    const outcome = await state(waiting)
    expect(outcome).toEqual({ error: expect.any(MockWsTimeoutError) })
    expect((outcome as { error: Error }).error.message).toBe('Timed out after 60000 ms waiting for "hello".')
    // The timed-out waiter is gone: a later message is held, not handed to it.
    stream.push(msg('late'))
    expect(stream.unclaimedCount).toBe(1)
  })

  test('a satisfied wait clears its timer; timeout 0 only looks at what arrived; NaN is refused', async () => {
    const stream = new MessageStream({ clock: fakeClock })
    const waiting = stream.take({ timeoutMs: 5000, describe: 'x' })
    expect(vi.getTimerCount()).toBe(1)
    stream.push(msg('x'))
    await waiting
    expect(vi.getTimerCount()).toBe(0)
    await expect(stream.take({ timeoutMs: 0, describe: 'nothing' })).rejects.toThrow('Timed out after 0 ms waiting for nothing.')
    stream.push(msg('y'))
    expect(text(await stream.take({ timeoutMs: 0, describe: 'y' }))).toBe('y')
    await expect(stream.take({ timeoutMs: Number.NaN, describe: 'a message' })).rejects.toThrow('the timeout is NaN')
    expect(vi.getTimerCount()).toBe(0)
  })

  test('Infinity waits without a timer', async () => {
    const stream = new MessageStream({ clock: fakeClock })
    const waiting = stream.take({ timeoutMs: Infinity, describe: 'x' })
    expect(vi.getTimerCount()).toBe(0)
    stream.push(msg('x'))
    expect(text(await waiting)).toBe('x')
  })

  test('a predicate that throws fails its own take, not the push or the other waiters', async () => {
    const stream = new MessageStream({ clock: fakeClock })
    const broken = stream.take({
      ...any,
      match: () => {
        throw new Error('predicate bug')
      },
    })
    const fine = stream.take(any)
    expect(() => stream.push(msg('m'))).not.toThrow()
    expect(await state(broken)).toEqual({ error: expect.objectContaining({ message: 'predicate bug' }) })
    expect(await state(fine)).toEqual({ value: expect.objectContaining({ text: 'm' }) })
    // On a held message, the take rejects with the predicate's error, and the message stays unclaimed.
    stream.push(msg('held'))
    await expect(
      stream.take({
        ...any,
        match: () => {
          throw new Error('again')
        },
      }),
    ).rejects.toThrow('again')
    expect(stream.unclaimedCount).toBe(1)
  })

  test('close() rejects waiters at once; held unclaimed messages can still be taken; nothing more is held', async () => {
    const stream = new MessageStream({ clock: fakeClock })
    stream.push(msg('before'))
    const waiting = stream.take({ ...any, match: (m) => m.text === 'never' })
    const reason = new MockWsError('WSM_CLOSED', 'mock closed')
    stream.close(reason)
    expect(await state(waiting)).toEqual({ error: reason })
    expect(stream.closed).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
    expect(text(await stream.take(any))).toBe('before')
    await expect(stream.take(any)).rejects.toBe(reason)
    stream.push(msg('after'))
    expect(stream.size).toBe(1)
  })

  test('bounded: beyond the limit the oldest are forgotten, claimed or not, and counted', async () => {
    const stream = new MessageStream({ clock: fakeClock, limit: 10 })
    for (let i = 0; i < 10; i++) stream.push(msg(`m${i}`))
    expect(text(await stream.take(any))).toBe('m0')
    // The 11th push forgets m0 (claimed), the 12th m1 (unclaimed).
    stream.push(msg('m10'))
    stream.push(msg('m11'))
    expect(stream.size).toBe(10)
    expect(stream.dropped).toBe(2)
    expect(stream.unclaimedCount).toBe(10)
    expect(text(await stream.take(any))).toBe('m2')
    expect(stream.seen().claimed).toBe(1)
  })

  test('bounded over a long run: the arrays are compacted, takes stay in order', async () => {
    const limit = 2000
    const stream = new MessageStream({ clock: fakeClock, limit })
    for (let i = 0; i < 10_000; i++) {
      stream.push(msg(`m${i}`))
      // Claim every third message as it comes, as a consumer keeping up with part of the traffic would.
      if (i % 3 === 0) expect(text(await stream.take({ ...any, match: (m) => m.text === `m${i}` }))).toBe(`m${i}`)
    }
    expect(stream.size).toBe(limit)
    expect(stream.dropped).toBe(10_000 - limit)
    const rest = stream.seen().unclaimed.map(text)
    expect(rest[0]).toBe('m8000')
    expect(rest.at(-1)).toBe('m9998')
    expect(text(await stream.take(any))).toBe('m8000')
    expect(stream.unclaimedCount).toBe(rest.length - 1)
  })

  test('seen() reports unclaimed messages and the claimed count of a scope, with a filter', async () => {
    const stream = new MessageStream({ clock: fakeClock })
    stream.push(msg('a', 1))
    stream.push(bin([1, 2, 3], 1))
    stream.push(msg('b', 2))
    stream.push(msg('c', 1))
    await stream.take({ ...any, connection: 1 })
    const textOnly = (m: InboundMessage): boolean => !m.isBinary
    expect(stream.seen({ connection: 1, filter: textOnly })).toEqual({ unclaimed: [expect.objectContaining({ text: 'c' })], claimed: 1 })
    const all = stream.seen()
    expect(all.unclaimed.map((m) => [m.connection, m.isBinary, m.text])).toEqual([
      [1, true, 'AQID'],
      [2, false, 'b'],
      [1, false, 'c'],
    ])
    expect(all.unclaimed[0]?.data).toEqual(new Uint8Array([1, 2, 3]))
  })
})
