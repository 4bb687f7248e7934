// AI events as the contract states them: streamed as the model answers, byte-identical under a seed, the key
// never in a frame, the stream stopped when a mockforge-ws connection's client leaves, every config problem at once.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Command } from 'commander'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { AiEventGenerator } from '../../src/ai/generator.js'
import { EventArrayScanner } from '../../src/ai/json-stream.js'
import { registerGenerate } from '../../src/cli/generate.js'
import { mockWs } from '../../src/server/builder.js'
import { connectClient } from '../support/client.js'
import { framesOf, openWsPair } from './ws-pair.js'

const KEY = 'sk-mockforge-FIDELITY-0123456789'

/** An OpenAI-compatible chat completions server on port 0 that streams `events` as SSE, one event per chunk. */
interface ModelServer {
  baseURL: string
  bodies: Record<string, unknown>[]
  /** Set by the test: resolves when the server may send the rest of the answer (after the first event). */
  holdAfterFirst?: Promise<void>
  /** Resolves with performance.now() when the last chunk of the answer was written. */
  ended: Promise<number>
  close(): Promise<void>
}

async function startModelServer(events: unknown[]): Promise<ModelServer> {
  let markEnded!: (at: number) => void
  const state: ModelServer = {
    baseURL: '',
    bodies: [],
    ended: new Promise((resolve) => (markEnded = resolve)),
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  const server = http.createServer((req, res) => {
    let raw = ''
    req.setEncoding('utf8').on('data', (chunk: string) => (raw += chunk))
    req.on('end', () => {
      void (async () => {
        state.bodies.push(JSON.parse(raw) as Record<string, unknown>)
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        const chunk = (content: string) =>
          `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`
        const texts = events.map((event, i) => `${i === 0 ? '{"events":[' : ','}${JSON.stringify(event)}`)
        res.write(chunk(texts[0] ?? '{"events":['))
        await state.holdAfterFirst
        for (const text of texts.slice(1)) res.write(chunk(text))
        res.write(chunk(']}'))
        res.end('data: [DONE]\n\n', () => markEnded(performance.now()))
      })()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`
  return state
}

const servers: ModelServer[] = []
afterEach(async () => {
  vi.useRealTimers()
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

describe('streaming', () => {
  test('asks with stream: true and sends the first frame before the model has finished answering', async () => {
    const model = await startModelServer([{ n: 1 }, { n: 2 }, { n: 3 }])
    servers.push(model)
    const pair = await openWsPair()
    try {
      // The server holds the rest of its answer until the first frame has reached the client.
      let firstArrived!: () => void
      model.holdAfterFirst = new Promise((resolve) => (firstArrived = resolve))
      const gen = new AiEventGenerator({ narrative: 'count', eventCount: 3, baseURL: model.baseURL, apiKey: KEY })
      const streaming = gen.streamEvents(pair.server)
      const first = JSON.parse(String(await pair.client.next(15_000))) as { sequence: number; data: unknown }
      const firstAt = performance.now()
      firstArrived()
      expect(first).toMatchObject({ sequence: 1, data: { n: 1 } })
      expect(await streaming).toBe(3)
      expect(firstAt).toBeLessThan(await model.ended)
      await vi.waitFor(() => expect(framesOf(pair.client).map((f) => f.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]))
      expect(model.bodies[0]).toMatchObject({ stream: true })
    } finally {
      await pair.close()
    }
  })

  test('the scanner hands over each element of the events array as soon as its JSON is complete', () => {
    const scan = new EventArrayScanner()
    expect(scan.push('```json\n{"note":"[not, this]","events":[{"a":"}",')).toEqual([])
    expect(scan.push('"b":[1,2]}')).toEqual(['{"a":"}","b":[1,2]}'])
    expect(scan.push(',{"c":{"d":1}},7,"x",null')).toEqual(['{"c":{"d":1}}', '7', '"x"'])
    expect(scan.push(']}\n```')).toEqual(['null'])
    expect(scan.closed).toBe(true)
  })
})

describe('the API key', () => {
  test('never reaches a frame, even when the model echoes it in event data (keys included)', async () => {
    const model = await startModelServer([{ note: `my key is ${KEY}`, [KEY]: [KEY] }])
    servers.push(model)
    const gen = new AiEventGenerator({ narrative: 'leak', eventCount: 1, baseURL: model.baseURL, apiKey: KEY })
    const frames = []
    for await (const frame of gen.events()) frames.push(JSON.stringify(frame))
    expect(frames.join('\n')).not.toContain(KEY)
    expect(JSON.parse(frames[0]!).data).toEqual({ note: 'my key is [redacted]', '[redacted]': ['[redacted]'] })
  })

  test('a key shorter than 8 characters is a placeholder, not a secret: event text is left as it is', async () => {
    const model = await startModelServer([{ word: 'test', text: 'a test of tests' }])
    servers.push(model)
    const gen = new AiEventGenerator({ narrative: 'words', eventCount: 1, baseURL: model.baseURL, apiKey: 'test' })
    const frames = []
    for await (const frame of gen.events()) frames.push(frame)
    expect(frames[0]?.data).toEqual({ word: 'test', text: 'a test of tests' })
  })
})

describe('determinism', () => {
  test('offline with a seed: byte-identical output whatever the wall clock, timestamps derived from the sequence', async () => {
    const run = async (wallClock: string) => {
      vi.useFakeTimers({ toFake: ['Date'], now: new Date(wallClock) })
      const gen = new AiEventGenerator({ narrative: 'orders', eventCount: 3, provider: 'offline', seed: 9, eventRate: 4 })
      const entries = await gen.toReplay()
      vi.useRealTimers()
      return entries.map((e) => JSON.stringify(e)).join('\n')
    }
    const first = await run('2030-05-05T10:00:00Z')
    const second = await run('2031-07-07T11:11:11Z')
    expect(second).toBe(first)
    const timestamps = first.split('\n').map((line) => (JSON.parse((JSON.parse(line) as { text: string }).text) as { timestamp: string }).timestamp)
    expect(timestamps).toEqual(['2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.250Z', '2024-01-01T00:00:00.500Z'])
  })

  test('mockforge-ws generate --provider offline --seed N writes the same bytes run after run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mockforge-ai-seed-'))
    try {
      const files = [join(dir, 'a.jsonl'), join(dir, 'b.jsonl')]
      for (const [i, file] of files.entries()) {
        vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2030, i, 1) })
        const cli = new Command('mockforge-ws').exitOverride()
        registerGenerate(cli, { out: () => undefined, err: () => undefined }, { isTTY: false, write: () => true })
        await cli.parseAsync(['generate', '--narrative', 'chat', '--count', '4', '--out', file, '--provider', 'offline', '--seed', '3'], { from: 'user' })
        vi.useRealTimers()
      }
      expect(await readFile(files[1]!, 'utf8')).toBe(await readFile(files[0]!, 'utf8'))
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('streaming into a mockforge-ws connection', () => {
  test('streamEvents(connection) stops when the client leaves', async () => {
    const ws = await mockWs().delay(60_000)
    try {
      const client = await connectClient(ws.url)
      const conn = await ws.nextConnection()
      const gen = new AiEventGenerator({ narrative: 'ticks', eventCount: 10_000, provider: 'offline' })
      const startedAt = performance.now()
      // The signal only bounds a stream that never notices the client left.
      const streaming = gen.streamEventsWithRate(conn, undefined, 20, { signal: AbortSignal.timeout(10_000) })
      await client.next()
      await client.close()
      const sent = await streaming
      expect(sent).toBeLessThanOrEqual(3)
      expect(performance.now() - startedAt).toBeLessThan(5_000)
    } finally {
      await ws.close()
    }
  })
})

describe('config validation', () => {
  test('unknown fields and a malformed schema are reported together, in one error', () => {
    const bad = {
      narrative: 'x',
      provider: 'offline',
      eventcount: 5,
      schema: { type: 'obj', required: 'id', properties: { price: { type: 'number', minimum: 'zero' } }, minItems: 3, maxItems: 1 },
    } as unknown as ConstructorParameters<typeof AiEventGenerator>[0]
    expect(() => new AiEventGenerator(bad)).toThrowErrorMatchingInlineSnapshot(`[AiGenerationError: Failed to generate events: unknown config field "eventcount" (known: narrative, eventCount, eventType, schema, mode, provider, model, baseURL, apiKey, temperature, seed, batchSize, eventRate, maxRetries, timeoutMs, now); schema.type must be one of object, array, string, number, integer, boolean, null (or an array of them), got "obj"; schema.properties.price.minimum must be a finite number, got "zero"; schema.required must be an array of property names, got "id"; schema.minItems (3) is above schema.maxItems (1). Fix the settings named above]`)
  })
})
