import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { inspect } from 'node:util'
import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest'
import { AiGenerationError } from '../../src/errors.js'
import { AiEventGenerator } from '../../src/ai/generator.js'
import { importOpenAi } from '../../src/ai/openai-source.js'
import type { JsonSchema } from '../../src/ai/schema.js'
import type { ReplayAugmentationConfig } from '../../src/ai/types.js'
import { framesOf, openWsPair } from './ws-pair.js'

const OPENAI_URL = 'https://api.openai.com/v1/chat/completions'
const LOCAL_BASE = 'http://llm.test:8080/v1'
const FAKE_KEY = 'sk-mockforge-LEAKCHECK-7f3a9c2e1b'

const server = setupServer()

interface CapturedRequest {
  body: Record<string, any>
  authorization: string | null
}

let requests: CapturedRequest[] = []

/** A streamed chat completion (what the generator asks for with `stream: true`): the content in a few SSE chunks. */
function completion(content: string | null, extra: Record<string, unknown> = {}) {
  const id = `chatcmpl-${requests.length}`
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] })}\n\n`
  const text = content ?? ''
  const pieces: string[] = [chunk({ role: 'assistant', content: '', ...extra })]
  for (let at = 0; at < text.length; at += 16) pieces.push(chunk({ content: text.slice(at, at + 16) }))
  pieces.push(chunk({}, 'stop'), 'data: [DONE]\n\n')
  return new HttpResponse(pieces.join(''), { headers: { 'content-type': 'text/event-stream' } })
}

/** Answers with `count` trades numbered from the request's position, as a model would. */
function tradesFor(body: Record<string, any>): { events: { n: number; price: number }[] } {
  const user = String(body.messages?.[1]?.content ?? '')
  const [, from, to] = /Generate events (\d+) to (\d+)/.exec(user) ?? []
  const events = []
  for (let n = Number(from); n <= Number(to); n++) events.push({ n, price: 100 + n })
  return { events }
}

async function capture(request: Request): Promise<CapturedRequest> {
  const captured = { body: (await request.json()) as Record<string, any>, authorization: request.headers.get('authorization') }
  requests.push(captured)
  return captured
}

const tradeSchema: JsonSchema = {
  type: 'object',
  required: ['n', 'price'],
  properties: { n: { type: 'integer' }, price: { type: 'number', minimum: 0 } },
}

const config = (extra: Partial<ReplayAugmentationConfig> = {}): ReplayAugmentationConfig => ({
  narrative: 'Simulate stock market trading',
  eventCount: 5,
  eventType: 'trade',
  schema: tradeSchema,
  apiKey: FAKE_KEY,
  ...extra,
})

async function collect(gen: AiEventGenerator) {
  const frames = []
  for await (const frame of gen.events()) frames.push(frame)
  return frames
}

async function failure(promise: Promise<unknown>): Promise<AiGenerationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(error instanceof AiGenerationError)) throw new Error(`expected an AiGenerationError, got ${String(error)}`)
  return error
}

beforeAll(() => {
  server.listen({
    // The ws connections of these tests go to a local server on 127.0.0.1: let them through.
    onUnhandledRequest: (request, print) => {
      if (new URL(request.url).hostname !== '127.0.0.1') print.error()
    },
  })
  // msw keeps a copy of every mocked response; until that copy is read, cancelling the body the client
  // got never settles (mswjs/interceptors#799), and the openai client cancels error bodies before retrying.
  server.events.on('response:mocked', ({ response }) => {
    response.arrayBuffer().catch(() => undefined)
  })
})
beforeEach(() => {
  requests = []
  vi.stubEnv('OPENAI_API_KEY', '')
  vi.stubEnv('OPENAI_BASE_URL', '')
})
afterEach(() => {
  server.resetHandlers()
  vi.unstubAllEnvs()
})
afterAll(() => server.close())

describe('OpenAI provider (real openai client, HTTP intercepted by msw)', () => {
  test('sends the model, messages and a json_schema response_format describing a batch of events', async () => {
    server.use(http.post(OPENAI_URL, async ({ request }) => completion(JSON.stringify(tradesFor((await capture(request)).body)))))
    const gen = new AiEventGenerator(config({ model: 'gpt-4.1-mini', temperature: 0.3, seed: 11 }))
    const frames = await collect(gen)
    expect(frames.map((f) => f.data)).toEqual([1, 2, 3, 4, 5].map((n) => ({ n, price: 100 + n })))
    expect(requests).toHaveLength(1)
    const [{ body, authorization }] = requests as [CapturedRequest]
    expect(authorization).toBe(`Bearer ${FAKE_KEY}`)
    expect(body.model).toBe('gpt-4.1-mini')
    expect(body.temperature).toBe(0.3)
    expect(body.seed).toBe(11)
    expect(body.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user'])
    expect(body.messages[1].content).toContain('Scenario: Simulate stock market trading')
    expect(body.messages[1].content).toContain('Event type: trade')
    expect(body.messages[1].content).toContain('Generate events 1 to 5 of 5 (exactly 5 events).')
    expect(body.messages[1].content).toContain(JSON.stringify(tradeSchema))
    expect(body.response_format).toEqual({
      type: 'json_schema',
      json_schema: {
        name: 'event_batch',
        description: '5 "trade" events',
        schema: {
          type: 'object',
          properties: { events: { type: 'array', items: tradeSchema, minItems: 5, maxItems: 5 } },
          required: ['events'],
          additionalProperties: false,
        },
      },
    })
  })

  test('works against any OpenAI-compatible baseURL, without a key', async () => {
    server.use(
      http.post(`${LOCAL_BASE}/chat/completions`, async ({ request }) => completion(JSON.stringify(tradesFor((await capture(request)).body)))),
    )
    const gen = new AiEventGenerator(config({ apiKey: undefined, baseURL: LOCAL_BASE, model: 'llama-3.1-8b-instruct', eventCount: 2 }))
    expect((await collect(gen)).map((f) => f.data)).toEqual([
      { n: 1, price: 101 },
      { n: 2, price: 102 },
    ])
    expect(requests[0]?.body.model).toBe('llama-3.1-8b-instruct')
    expect(requests[0]?.body).not.toHaveProperty('seed')
  })

  test('generates in batches, giving the model the previous events as context', async () => {
    server.use(http.post(OPENAI_URL, async ({ request }) => completion(JSON.stringify(tradesFor((await capture(request)).body)))))
    const frames = await collect(new AiEventGenerator(config({ eventCount: 23, batchSize: 10 })))
    expect(frames.map((f) => f.sequence)).toEqual(Array.from({ length: 23 }, (_, i) => i + 1))
    expect(frames.map((f) => (f.data as { n: number }).n)).toEqual(Array.from({ length: 23 }, (_, i) => i + 1))
    expect(requests.map((r) => r.body.response_format.json_schema.schema.properties.events.maxItems)).toEqual([10, 10, 3])
    const prompts = requests.map((r) => String(r.body.messages[1].content))
    expect(prompts[0]).toContain('Generate events 1 to 10 of 23')
    expect(prompts[1]).toContain('Generate events 11 to 20 of 23')
    expect(prompts[2]).toContain('Generate events 21 to 23 of 23')
    expect(prompts[0]).not.toContain('previous events')
    expect(prompts[1]).toContain(`Continue naturally from the previous events: ${JSON.stringify([8, 9, 10].map((n) => ({ n, price: 100 + n })))}`)
  })

  test('streams: the first event reaches the client before the second batch is answered', async () => {
    let releaseSecond!: () => void
    const secondHeld = new Promise<void>((resolve) => {
      releaseSecond = resolve
    })
    let secondAnswered = false
    server.use(
      http.post(OPENAI_URL, async ({ request }) => {
        const { body } = await capture(request)
        if (requests.length === 2) {
          await secondHeld
          secondAnswered = true
        }
        return completion(JSON.stringify(tradesFor(body)))
      }),
    )
    const pair = await openWsPair()
    try {
      const gen = new AiEventGenerator(config({ eventCount: 6, batchSize: 3 }))
      const streaming = gen.streamEvents(pair.server)
      const first = JSON.parse(String(await pair.client.next()))
      expect(first).toMatchObject({ type: 'trade', sequence: 1, data: { n: 1, price: 101 } })
      expect(secondAnswered).toBe(false)
      // The whole first batch is delivered while batch 2 is still held.
      await pair.client.next()
      await pair.client.next()
      expect(secondAnswered).toBe(false)
      await vi.waitFor(() => expect(requests).toHaveLength(2))
      releaseSecond()
      expect(await streaming).toBe(6)
      await vi.waitFor(() => expect(pair.client.received).toHaveLength(6))
      expect(framesOf(pair.client).map((f) => f.sequence)).toEqual([1, 2, 3, 4, 5, 6])
      expect(secondAnswered).toBe(true)
    } finally {
      releaseSecond()
      await pair.close()
    }
  })

  test('stops promptly when the client leaves while a batch is being generated', async () => {
    let release!: () => void
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    server.use(
      http.post(OPENAI_URL, async ({ request }) => {
        const { body } = await capture(request)
        if (requests.length > 1) await held
        return completion(JSON.stringify(tradesFor(body)))
      }),
    )
    const pair = await openWsPair()
    try {
      const streaming = new AiEventGenerator(config({ eventCount: 40, batchSize: 2 })).streamEvents(pair.server)
      await pair.client.next()
      await pair.client.next()
      await vi.waitFor(() => expect(requests).toHaveLength(2))
      await pair.client.close()
      expect(await streaming).toBe(2)
    } finally {
      release()
      await pair.close()
    }
  })

  test('asks again when a batch is not valid JSON, telling the model what was wrong', async () => {
    server.use(
      http.post(OPENAI_URL, async ({ request }) => {
        const { body } = await capture(request)
        return completion(requests.length === 1 ? '{"events": [{"n": 1,' : JSON.stringify(tradesFor(body)))
      }),
    )
    const frames = await collect(new AiEventGenerator(config({ eventCount: 2 })))
    expect(frames.map((f) => f.data)).toEqual([
      { n: 1, price: 101 },
      { n: 2, price: 102 },
    ])
    expect(requests).toHaveLength(2)
    const retry = requests[1]?.body.messages as { role: string; content: string }[]
    expect(retry.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user'])
    expect(retry[2]?.content).toBe('{"events": [{"n": 1,')
    expect(retry[3]?.content).toMatch(/^That answer was rejected: the model returned invalid JSON/)
  })

  test('accepts JSON wrapped in a Markdown fence (servers that ignore response_format)', async () => {
    server.use(
      http.post(OPENAI_URL, async ({ request }) =>
        completion(`\`\`\`json\n${JSON.stringify(tradesFor((await capture(request)).body))}\n\`\`\``),
      ),
    )
    expect(await collect(new AiEventGenerator(config({ eventCount: 1 })))).toHaveLength(1)
  })

  test('augmented mode starts from the schema example and keeps fields the model leaves out', async () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: { n: { type: 'integer' }, venue: { type: 'string', default: 'XNAS' } },
    }
    server.use(
      http.post(OPENAI_URL, async ({ request }) => {
        const { body } = await capture(request)
        return completion(JSON.stringify({ events: tradesFor(body).events.map(({ n }) => ({ n })) }))
      }),
    )
    const frames = await collect(new AiEventGenerator(config({ eventCount: 2, mode: 'augmented', schema })))
    expect(frames.map((f) => f.data)).toEqual([
      { n: 1, venue: 'XNAS' },
      { n: 2, venue: 'XNAS' },
    ])
    expect(requests[0]?.body.messages[1].content).toContain('Start every event from this base')
  })
})

describe('OpenAI provider errors', () => {
  test('no API key and no baseURL', () => {
    expect(() => new AiEventGenerator(config({ apiKey: undefined }))).toThrowErrorMatchingInlineSnapshot(
      `[AiGenerationError: Failed to generate events: no API key for provider 'openai'. Set OPENAI_API_KEY or pass apiKey, point baseURL at an OpenAI-compatible server (e.g. llama.cpp or vLLM), or use provider: 'offline' for deterministic local events]`,
    )
  })

  test('every config problem is reported at once', () => {
    expect(
      () => new AiEventGenerator({ narrative: ' ', eventCount: 0, batchSize: 500, temperature: 3, baseURL: 'nope', provider: 'openai' }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[AiGenerationError: Failed to generate events: narrative must be a non-empty string; eventCount must be a positive integer (got 0); temperature must be a number from 0 to 2 (got 3); batchSize must be an integer from 1 to 100 (got 500); baseURL must be an absolute URL such as http://127.0.0.1:8080/v1 (got "nope"). Fix the settings named above]`,
    )
  })

  test('HTTP 401 (the key is never echoed back)', async () => {
    server.use(
      http.post(OPENAI_URL, async ({ request }) => {
        await capture(request)
        return HttpResponse.json(
          { error: { message: `Incorrect API key provided: ${FAKE_KEY}.`, type: 'invalid_request_error', code: 'invalid_api_key' } },
          { status: 401 },
        )
      }),
    )
    const error = await failure(collect(new AiEventGenerator(config())))
    expect(error.code).toBe('WSM_AI')
    expect(error.kind).toBe('http')
    expect(error.status).toBe(401)
    expect(error.message).toMatchInlineSnapshot(
      `"Failed to generate events: HTTP 401 from https://api.openai.com/v1: Incorrect API key provided: [redacted]. Check the API key (apiKey or OPENAI_API_KEY) and its permissions"`,
    )
    expect(requests).toHaveLength(1)
  })

  test('HTTP 500 after the client retries, with a short body', async () => {
    server.use(
      http.post(OPENAI_URL, async ({ request }) => {
        await capture(request)
        return new HttpResponse(`upstream exploded ${'!'.repeat(400)}`, { status: 500, headers: { 'retry-after-ms': '1' } })
      }),
    )
    const error = await failure(collect(new AiEventGenerator(config())))
    expect(requests).toHaveLength(3)
    expect(error.status).toBe(500)
    expect(error.message.length).toBeLessThan(400)
    expect(error.message).toMatchInlineSnapshot(
      `"Failed to generate events: HTTP 500 from https://api.openai.com/v1: upstream exploded !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!…. The provider failed: retry later or raise maxRetries"`,
    )
  })

  test('an HTTP error after the first batch: the stream rejects after what was already sent', async () => {
    server.use(
      http.post(OPENAI_URL, async ({ request }) => {
        const { body } = await capture(request)
        if (requests.length > 1) return HttpResponse.json({ error: { message: 'model overloaded' } }, { status: 503 })
        return completion(JSON.stringify(tradesFor(body)))
      }),
    )
    const pair = await openWsPair()
    try {
      const gen = new AiEventGenerator(config({ eventCount: 6, batchSize: 3, maxRetries: 0 }))
      const error = await failure(gen.streamEvents(pair.server))
      expect(error.message).toMatchInlineSnapshot(
        `"Failed to generate events: HTTP 503 from https://api.openai.com/v1: model overloaded. The provider failed: retry later or raise maxRetries"`,
      )
      await vi.waitFor(() => expect(pair.client.received).toHaveLength(3))
    } finally {
      await pair.close()
    }
  })

  test('a network failure', async () => {
    server.use(http.post(`${LOCAL_BASE}/chat/completions`, () => HttpResponse.error()))
    const error = await failure(collect(new AiEventGenerator(config({ baseURL: LOCAL_BASE, maxRetries: 0 }))))
    expect(error.kind).toBe('connection')
    expect(error.message).toMatchInlineSnapshot(`"Failed to generate events: could not reach http://llm.test:8080/v1 (Failed to fetch). Check baseURL and that the server is running"`)
  })

  test('a server that refuses connections', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const { port } = closed.address() as AddressInfo
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const baseURL = `http://127.0.0.1:${port}/v1`
    const error = await failure(collect(new AiEventGenerator(config({ baseURL, maxRetries: 0 }))))
    expect(error.kind).toBe('connection')
    expect(error.message.replaceAll(String(port), 'PORT')).toMatchInlineSnapshot(`"Failed to generate events: could not reach http://127.0.0.1:PORT/v1 (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:PORT). Check baseURL and that the server is running"`)
  })

  test('invalid JSON after the retries, quoting at most ~200 characters of it', async () => {
    const junk = `Sure! Here are your events: ${'blah '.repeat(200)}`
    server.use(
      http.post(OPENAI_URL, async ({ request }) => {
        await capture(request)
        return completion(junk)
      }),
    )
    const error = await failure(collect(new AiEventGenerator(config())))
    expect(requests).toHaveLength(3)
    expect(error.kind).toBe('invalid-json')
    expect(error.message.length).toBeLessThan(450)
    expect(error.message).toMatchInlineSnapshot(`"Failed to generate events: the model returned invalid JSON (Unexpected token 'S', "Sure! Here"... is not valid JSON): Sure! Here are your events: blah blah blah blah blah blah blah blah blah blah blah blah blah blah blah blah blah blah blah blah blah blah blah blah blah blah blah blah blah blah blah blah blah blah bl… (3 attempts). Use a model that supports structured output (response_format json_schema), or lower batchSize"`)
  })

  test('a JSON answer without an events array', async () => {
    server.use(
      http.post(OPENAI_URL, async ({ request }) => {
        await capture(request)
        return completion('{"items": []}')
      }),
    )
    const error = await failure(collect(new AiEventGenerator(config())))
    expect(error.message).toMatchInlineSnapshot(`"Failed to generate events: the model's JSON has no non-empty "events" array: {"items": []} (3 attempts). Use a model that supports structured output (response_format json_schema), or lower batchSize"`)
  })

  test('schema violations after the retries, with path and expectation', async () => {
    server.use(
      http.post(OPENAI_URL, async ({ request }) => {
        await capture(request)
        // Event 1 is fine and already streamed, so the retries ask only for event 2, which stays wrong.
        const events = requests.length === 1 ? [{ n: 1, price: 5 }, { n: 'two', price: -5 }] : [{ n: 'two', price: -5 }]
        return completion(JSON.stringify({ events }))
      }),
    )
    const error = await failure(collect(new AiEventGenerator(config({ eventCount: 2 }))))
    expect(requests).toHaveLength(3)
    expect(requests.map((r) => /Generate events \d+ to \d+/.exec(String(r.body.messages[1].content))?.[0])).toEqual([
      'Generate events 1 to 2',
      'Generate events 2 to 2',
      'Generate events 2 to 2',
    ])
    expect(requests.every((r) => r.body.stream === true)).toBe(true)
    expect(error.kind).toBe('schema')
    expect(error.message).toMatchInlineSnapshot(`"Failed to generate events: event 2 does not match the schema: $.data.n: expected integer, got string "two"; $.data.price: expected number >= 0, got -5 (3 attempts). Loosen the schema, or describe the constraint in the narrative so the model follows it"`)
  })

  test('a refusal', async () => {
    server.use(
      http.post(OPENAI_URL, async ({ request }) => {
        await capture(request)
        return completion(null, { refusal: "I can't help with that." })
      }),
    )
    const error = await failure(collect(new AiEventGenerator(config())))
    expect(error.message).toMatchInlineSnapshot(`"Failed to generate events: the model refused: I can't help with that. Rephrase the narrative or try another model"`)
  })

  test('the openai package missing', async () => {
    const error = await failure(importOpenAi('openai-not-installed-for-this-test'))
    expect(error.message).toMatchInlineSnapshot(`"Failed to generate events: the optional package 'openai-not-installed-for-this-test' is not installed. Install it with \`npm install --save-dev openai\`, or use provider: 'offline'"`)
  })

  test('the API key never appears in errors, inspection or frames', async () => {
    server.use(
      http.post(OPENAI_URL, async ({ request }) => {
        const { body } = await capture(request)
        if (requests.length === 1) return completion(JSON.stringify(tradesFor(body)))
        return HttpResponse.json({ error: { message: `key ${FAKE_KEY} revoked`, key: FAKE_KEY } }, { status: 403 })
      }),
    )
    const pair = await openWsPair()
    const logged: string[] = []
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        logged.push(args.map((a) => inspect(a)).join(' '))
      }),
    )
    try {
      const gen = new AiEventGenerator(config({ eventCount: 4, batchSize: 2 }))
      const error = await failure(gen.streamEvents(pair.server))
      await vi.waitFor(() => expect(pair.client.received).toHaveLength(2))
      const surfaces = [
        error.message,
        String(error),
        error.stack ?? '',
        inspect(error, { depth: 10, showHidden: true }),
        JSON.stringify(error),
        inspect(gen, { depth: 10, showHidden: true }),
        JSON.stringify(gen),
        ...pair.client.received.map(String),
        ...logged,
      ]
      for (const text of surfaces) expect(text).not.toContain(FAKE_KEY)
      expect(error.message).toContain('[redacted]')
      // The key was sent where it belongs: the Authorization header.
      expect(requests.every((r) => r.authorization === `Bearer ${FAKE_KEY}`)).toBe(true)
    } finally {
      for (const spy of spies) spy.mockRestore()
      await pair.close()
    }
  })
})
