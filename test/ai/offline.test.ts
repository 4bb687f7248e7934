import { afterEach, describe, expect, test, vi } from 'vitest'
import { AiEventGenerator } from '../../src/ai/generator.js'
import { validateSchema } from '../../src/ai/schema.js'
import type { JsonSchema } from '../../src/ai/schema.js'
import type { ReplayAugmentationConfig } from '../../src/ai/types.js'
import { loadReplay } from '../../src/replay/load.js'
import { createTemplateContext } from '../../src/template/context.js'
import { watchLeaks } from '../support/leaks.js'
import { framesOf, openWsPair } from './ws-pair.js'

const orderSchema: JsonSchema = {
  type: 'object',
  required: ['orderId', 'status', 'total', 'items', 'placedAt', 'customer'],
  properties: {
    orderId: { type: 'string', format: 'uuid' },
    status: { enum: ['pending', 'paid', 'shipped'] },
    total: { type: 'number', minimum: 5, maximum: 50 },
    quantity: { type: 'integer', minimum: -3, maximum: 3 },
    express: { type: 'boolean' },
    placedAt: { type: 'string', format: 'date-time' },
    note: { type: 'string', minLength: 12, maxLength: 16 },
    items: {
      type: 'array',
      minItems: 2,
      maxItems: 4,
      items: { type: 'object', required: ['sku'], properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1, maximum: 9 } } },
    },
    customer: { type: 'object', properties: { name: { type: 'string' }, email: { type: 'string', format: 'email' } } },
  },
}

const offline = (extra: Partial<ReplayAugmentationConfig> = {}): ReplayAugmentationConfig => ({
  narrative: 'Simulate an online shop taking orders',
  eventCount: 30,
  eventType: 'order',
  provider: 'offline',
  schema: orderSchema,
  ...extra,
})

async function collect(gen: AiEventGenerator, max?: number) {
  const frames = []
  for await (const frame of gen.events(max)) frames.push(frame)
  return frames
}

afterEach(() => {
  vi.unstubAllEnvs()
})

describe('offline provider', () => {
  test('same seed gives the same events; another seed gives others', async () => {
    const a = await collect(new AiEventGenerator(offline({ seed: 42, batchSize: 7 })))
    const b = await collect(new AiEventGenerator(offline({ seed: 42, batchSize: 30 })))
    const c = await collect(new AiEventGenerator(offline({ seed: 43 })))
    expect(a).toHaveLength(30)
    expect(a.map((f) => f.data)).toEqual(b.map((f) => f.data))
    expect(a.map((f) => f.data)).not.toEqual(c.map((f) => f.data))
    expect(a.map((f) => f.sequence)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
    expect(new Set(a.map((f) => f.type))).toEqual(new Set(['order']))
  })

  test('events conform to the schema and vary', async () => {
    const frames = await collect(new AiEventGenerator(offline({ seed: 9 })))
    for (const frame of frames) expect(validateSchema(frame.data, orderSchema)).toEqual([])
    const data = frames.map((f) => f.data as Record<string, unknown>)
    expect(new Set(data.map((d) => d.status)).size).toBeGreaterThan(1)
    expect(new Set(data.map((d) => d.total)).size).toBeGreaterThan(10)
    expect(new Set(data.map((d) => d.orderId)).size).toBe(30)
    for (const d of data) {
      expect(d.orderId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      expect(Number.isNaN(Date.parse(String(d.placedAt)))).toBe(false)
      expect((d.customer as { email: string }).email).toMatch(/^[a-z]+@example\.com$/)
    }
  })

  test('without a seed the output is still reproducible, and works without any API key', async () => {
    vi.stubEnv('OPENAI_API_KEY', '')
    const a = await collect(new AiEventGenerator(offline()))
    const b = await collect(new AiEventGenerator(offline()))
    expect(a.map((f) => f.data)).toEqual(b.map((f) => f.data))
  })

  test('without a schema, data is a plausible object picked from the narrative', async () => {
    const trades = await collect(
      new AiEventGenerator({ narrative: 'Simulate stock market trading', eventCount: 5, eventType: 'trade', provider: 'offline' }),
    )
    for (const { data } of trades) {
      expect(data).toEqual({
        symbol: expect.any(String),
        side: expect.stringMatching(/^(buy|sell)$/),
        price: expect.any(Number),
        quantity: expect.any(Number),
      })
    }
    const chat = await collect(new AiEventGenerator({ narrative: 'A busy chat room', eventCount: 3, provider: 'offline' }))
    for (const { data } of chat) expect(data).toEqual({ user: expect.any(String), text: expect.any(String), room: 'general' })
  })

  test('static mode repeats the schema example (defaults, first enum option) and needs no provider', async () => {
    vi.stubEnv('OPENAI_API_KEY', '')
    const schema: JsonSchema = {
      type: 'object',
      properties: { side: { enum: ['buy', 'sell'] }, price: { type: 'number', default: 10 }, n: { type: 'integer', minimum: 2 } },
    }
    const frames = await collect(new AiEventGenerator({ narrative: 'x', eventCount: 3, mode: 'static', schema }))
    expect(frames.map((f) => f.data)).toEqual([
      { side: 'buy', price: 10, n: 2 },
      { side: 'buy', price: 10, n: 2 },
      { side: 'buy', price: 10, n: 2 },
    ])
  })

  test('maxEvents caps the stream; eventCount caps maxEvents', async () => {
    expect(await collect(new AiEventGenerator(offline()), 4)).toHaveLength(4)
    expect(await collect(new AiEventGenerator(offline({ eventCount: 3 })), 100)).toHaveLength(3)
    expect(await collect(new AiEventGenerator(offline()), 0)).toHaveLength(0)
  })
})

describe('streaming into a real ws connection', () => {
  test('streamEvents sends { type, timestamp, sequence, data } text frames in order', async () => {
    const pair = await openWsPair()
    try {
      const now = () => Date.UTC(2025, 4, 6, 12, 0, 0)
      const gen = new AiEventGenerator(offline({ eventCount: 12, batchSize: 5, now }))
      const sent = await gen.streamEvents(pair.server)
      expect(sent).toBe(12)
      await vi.waitFor(() => expect(pair.client.received).toHaveLength(12))
      const frames = framesOf(pair.client)
      const expected = await collect(new AiEventGenerator(offline({ eventCount: 12, now })))
      expect(frames).toEqual(expected)
      expect(frames[0]).toEqual({ type: 'order', timestamp: '2025-05-06T12:00:00.000Z', sequence: 1, data: expect.any(Object) })
    } finally {
      await pair.close()
    }
  })

  test('toReplay freezes the events into out entries spaced by the rate', async () => {
    const gen = new AiEventGenerator(offline({ eventCount: 4, now: () => 0 }))
    const spaced = await gen.toReplay({ eventsPerSecond: 4 })
    expect(spaced.map((e) => [e.ts, e.dir])).toEqual([
      [0, 'out'],
      [250, 'out'],
      [500, 'out'],
      [750, 'out'],
    ])
    const again = await gen.toReplay()
    expect(again.map((e) => e.ts)).toEqual([0, 0, 0, 0])
    expect(again.map((e) => e.text)).toEqual(spaced.map((e) => e.text))
    const frames = await collect(new AiEventGenerator(offline({ eventCount: 4, now: () => 0 })))
    expect(spaced.map((e) => JSON.parse(e.text ?? ''))).toEqual(frames)
  })

  test('toReplay escapes a literal {{ so that template expansion keeps it', async () => {
    const gen = new AiEventGenerator({
      narrative: 'x',
      eventCount: 1,
      mode: 'static',
      schema: { type: 'object', properties: { tpl: { type: 'string', default: 'Hi {{name}}' } } },
      now: () => 0,
    })
    const [entry] = await gen.toReplay()
    expect(entry?.text).toBe('{"type":"event","timestamp":"1970-01-01T00:00:00.000Z","sequence":1,"data":{"tpl":"Hi \\{{name}}"}}')
    // The player's template step turns it back into the generated frame.
    const replay = await loadReplay(entry ? [entry] : [])
    const rendered = replay.steps[0]?.template?.render(createTemplateContext()) ?? replay.steps[0]?.text
    expect(JSON.parse(rendered ?? '')).toMatchObject({ data: { tpl: 'Hi {{name}}' } })
  })

  test('stops promptly when the client leaves, leaving no timer behind', async () => {
    const leaks = watchLeaks()
    const pair = await openWsPair()
    try {
      const gen = new AiEventGenerator(offline({ eventCount: 100 }))
      const streaming = gen.streamEventsWithRate(pair.server, undefined, 0.5)
      await pair.client.next()
      const leftAt = performance.now()
      await pair.client.close()
      const sent = await streaming
      const stoppedAfter = performance.now() - leftAt
      expect(sent).toBe(1)
      // The next event was due 2 s after the first: stopping well before proves the wait was cut short (a long
      // wait, so that a close handshake a loaded machine slows down stays far from it).
      expect(stoppedAfter).toBeLessThan(1500)
    } finally {
      await pair.close()
    }
    await leaks.expectNone()
  })

  test('stops when the AbortSignal aborts and resolves with the number sent', async () => {
    const pair = await openWsPair()
    try {
      const controller = new AbortController()
      const gen = new AiEventGenerator(offline({ eventCount: 100 }))
      const streaming = gen.streamEventsWithRate(pair.server, undefined, 2, { signal: controller.signal })
      await pair.client.next()
      controller.abort()
      expect(await streaming).toBe(1)
      expect(pair.server.readyState).toBe(pair.server.OPEN)
      expect(await gen.streamEvents(pair.server, 5, { signal: controller.signal })).toBe(0)
    } finally {
      await pair.close()
    }
  })

  test('sends nothing into a socket that is not open', async () => {
    const sink = { readyState: 3, OPEN: 1, sent: [] as string[], send(text: string) { this.sent.push(text) } }
    const gen = new AiEventGenerator(offline())
    expect(await gen.streamEvents(sink)).toBe(0)
    expect(sink.sent).toEqual([])
  })
})
