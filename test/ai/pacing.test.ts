import { describe, expect, test, vi } from 'vitest'
import { AiEventGenerator } from '../../src/ai/generator.js'
import { RateSchedule } from '../../src/ai/pacing.js'
import type { Clock } from '../../src/template/clock.js'
import { watchLeaks } from '../support/leaks.js'
import { framesOf, openWsPair } from './ws-pair.js'

describe('rate pacing', () => {
  test('10 events at 20/s take about 450 ms, arrive spaced, in order', async () => {
    const leaks = watchLeaks()
    const pair = await openWsPair()
    try {
      const gen = new AiEventGenerator({ narrative: 'IoT sensor telemetry', eventCount: 10, provider: 'offline', batchSize: 4 })
      // Pacing is the server's property: measured where each event is handed to the socket. Client arrival
      // times add the loaded machine's scheduling to each gap (a late first arrival shrinks the span).
      const sentAt: number[] = []
      const send = pair.server.send.bind(pair.server)
      pair.server.send = ((...args: Parameters<typeof send>) => {
        sentAt.push(performance.now())
        return send(...args)
      }) as typeof pair.server.send
      // The schedule's own due times (the spy calls through): its anchor is when event 0 was ready, which a loaded
      // machine may send a few ms later, so gaps from the first send can look early when they are not.
      const dueAt = vi.spyOn(RateSchedule.prototype, 'dueAt')
      const started = performance.now()
      let due: number[] = []
      const sent = await gen.streamEventsWithRate(pair.server, undefined, 20).finally(() => {
        due = dueAt.mock.results.map((r) => r.value as number)
        dueAt.mockRestore()
      })
      const elapsed = performance.now() - started
      expect(sent).toBe(10)
      await pair.client.next()
      while (pair.client.received.length < 10) await pair.client.next()
      // Event k is due at the anchor + k * 50 ms and never sent early (1 ms for the event loop's cached clock); on
      // schedule, so lateness does not accumulate. The upper bound only catches a schedule that drifts.
      expect(sentAt).toHaveLength(10)
      expect(due).toHaveLength(10)
      for (const [k, at] of due.entries()) expect(at - (due[0] ?? 0)).toBeCloseTo(k * 50, 6)
      for (const [k, at] of sentAt.entries()) expect(at).toBeGreaterThanOrEqual((due[k] ?? Infinity) - 1)
      const first = sentAt[0] ?? 0
      expect(elapsed).toBeGreaterThanOrEqual(445)
      expect((sentAt[9] ?? 0) - first).toBeLessThan(900)
      expect(framesOf(pair.client).map((f) => f.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    } finally {
      await pair.close()
    }
    await leaks.expectNone()
  })

  test('a timer that fires a fraction of a ms early never makes an event early', async () => {
    // libuv counts timers in whole ms against a cached loop time, so a timer can run up to ~1 ms before
    // performance.now() reaches its due time. This clock's timers always run 0.5 ms early.
    let now = 0
    const early: Clock = {
      kind: 'fake',
      setTimeout: (fn, ms) => setImmediate(() => ((now += Math.max(0, ms - 0.5)), fn())),
      clearTimeout: (handle) => clearImmediate(handle as NodeJS.Immediate),
      setImmediate: (fn) => void setImmediate(fn),
      queueMicrotask: (fn) => queueMicrotask(fn),
      perfNow: () => now,
      dateNow: () => now,
    }
    const sentAt: number[] = []
    const sink = { readyState: 1, OPEN: 1, send: () => void sentAt.push(now) }
    const gen = new AiEventGenerator({ narrative: 'chat', eventCount: 5, provider: 'offline' })
    expect(await gen.streamEventsWithRate(sink, undefined, 20, { clock: early })).toBe(5)
    const first = sentAt[0] ?? 0
    expect(sentAt).toHaveLength(5)
    for (const [k, at] of sentAt.entries()) expect(at - first).toBeGreaterThanOrEqual(k * 50)
  })

  test('the config eventRate paces streamEvents too', async () => {
    const pair = await openWsPair()
    try {
      const gen = new AiEventGenerator({ narrative: 'chat', eventCount: 4, provider: 'offline', eventRate: 25 })
      const started = performance.now()
      expect(await gen.streamEvents(pair.server)).toBe(4)
      // 3 gaps of 40 ms.
      expect(performance.now() - started).toBeGreaterThanOrEqual(115)
    } finally {
      await pair.close()
    }
  })

  test('rejects a rate that is not a positive number', async () => {
    const gen = new AiEventGenerator({ narrative: 'chat', provider: 'offline' })
    await expect(gen.streamEventsWithRate({ send: () => undefined }, 1, 0)).rejects.toThrowErrorMatchingInlineSnapshot(
      `[AiGenerationError: Failed to generate events: eventsPerSecond must be a positive number (got 0). Pass a rate such as 2 for two events per second]`,
    )
  })
})

describe('RateSchedule', () => {
  test('keeps an absolute schedule when timers fire late, so lateness does not accumulate', () => {
    const pace = new RateSchedule(10)
    expect(pace.dueAt(0, 0, 5)).toBe(5)
    // Each timer fired 30 ms late; the data was ready at once: event k stays due at 5 + 100k.
    expect(pace.dueAt(1, 5, 5)).toBe(105)
    expect(pace.dueAt(2, 135, 135)).toBe(205)
    expect(pace.dueAt(3, 235, 235)).toBe(305)
    // So late that the next is already due: sent at once (catching up), no re-anchoring.
    expect(pace.dueAt(4, 520, 520)).toBe(405)
  })

  test('restarts the schedule after the source stalled for more than an interval', () => {
    const pace = new RateSchedule(10)
    pace.dueAt(0, 0, 0)
    // Asked for event 1 at 0 (due at 100), the data only came at 1000: send it now, next at 1100.
    expect(pace.dueAt(1, 0, 1000)).toBe(1000)
    expect(pace.dueAt(2, 1000, 1000)).toBe(1100)
    // A short wait (less than an interval late) keeps the schedule.
    expect(pace.dueAt(3, 1100, 1250)).toBe(1200)
  })
})
