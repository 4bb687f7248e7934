import type { ResolvedAiConfig } from './config.js'
import { AI_BAD_BATCH_RETRIES, AI_RESPONSE_FORMAT_NAME } from './defaults.js'
import { AiGenerationError } from '../errors.js'
import type { AiErrorKind } from '../errors.js'
import { redactSecrets, redactValue, snippet } from './redact.js'
import { staticExample } from './offline.js'
import { isPlainObject, validateSchema } from './schema.js'
import type { JsonSchema } from './schema.js'
import type { BatchRequest, EventSource } from './source.js'
import { EventArrayScanner } from './json-stream.js'
import { errorMessage } from '../session/to-error.js'
import { importPeer } from '../session/optional-peer.js'

type OpenAiModule = typeof import('openai')
type OpenAiClient = InstanceType<OpenAiModule['OpenAI']>
interface ChatMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

// Local servers (llama.cpp, vLLM, Ollama) accept any bearer token, but the openai client insists on one.
const PLACEHOLDER_KEY = 'unused'
const SCHEMA_ISSUES_SHOWN = 3
const SYSTEM_PROMPT =
  'You generate realistic, varied event streams for testing WebSocket clients. Events are in chronological ' +
  'order and tell the scenario as it unfolds. Answer with JSON only: an object whose "events" array holds ' +
  "exactly the requested number of events, each being only the event's data."

/** Loads the optional `openai` package; fails with a clear error when it is not installed. */
export function importOpenAi(specifier = 'openai'): Promise<OpenAiModule> {
  return importPeer(specifier, () =>
    new AiGenerationError(
      'missing-dependency',
      `the optional package '${specifier}' is not installed`,
      "Install it with `npm install --save-dev openai`, or use provider: 'offline'",
    ))
}

/**
 * Creates the source that asks an OpenAI-compatible chat completions API for events, batch by batch,
 * with structured JSON output, schema validation and bounded retries of bad batches.
 */
export function createOpenAiSource(config: ResolvedAiConfig, apiKey: string | undefined): EventSource {
  // The client (which holds the key) lives only in this closure: nothing that is printed can reach it.
  let loaded: Promise<{ mod: OpenAiModule; client: OpenAiClient; origin: string }> | undefined
  const load = () => {
    loaded ??= importOpenAi().then((mod) => {
      const client = new mod.OpenAI({
        apiKey: apiKey ?? PLACEHOLDER_KEY,
        baseURL: config.baseURL ?? null,
        maxRetries: config.maxRetries,
        timeout: config.timeoutMs,
      })
      return { mod, client, origin: displayUrl(client.baseURL) }
    })
    return loaded
  }
  const base = config.mode === 'augmented' && config.schema ? staticExample(config.schema) : undefined

  const streamBatch = async function* (request: BatchRequest, signal: AbortSignal): AsyncGenerator<unknown> {
    const { mod, client, origin } = await load()
    const attempts = 1 + AI_BAD_BATCH_RETRIES
    let emitted = 0
    let previous = request.previous
    let rejected: (BadBatch & { content: string }) | undefined
    for (let attempt = 1; attempt <= attempts; attempt++) {
      // A retry asks only for the events still missing: those already sent cannot be taken back.
      const remaining: BatchRequest = { ...request, start: request.start + emitted, count: request.count - emitted, previous }
      const messages: ChatMessage[] = [
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'user', content: userPrompt(config, remaining, base) },
      ]
      if (rejected) {
        messages.push(
          { role: 'assistant', content: rejected.content },
          { role: 'user', content: `That answer was rejected: ${rejected.cause}. Answer again with valid JSON only.` },
        )
      }
      let stream: AsyncIterable<ChatChunk> & { controller: AbortController }
      try {
        stream = (await client.chat.completions.create(
          {
            model: config.model,
            temperature: config.temperature,
            ...(config.seed !== undefined ? { seed: Math.trunc(config.seed) } : {}),
            messages,
            stream: true,
            response_format: {
              type: 'json_schema',
              json_schema: {
                name: AI_RESPONSE_FORMAT_NAME,
                description: `${remaining.count} "${config.eventType}" events`,
                schema: batchSchema(config.schema, remaining.count),
              },
            },
          },
          { signal },
        )) as unknown as AsyncIterable<ChatChunk> & { controller: AbortController }
      } catch (error) {
        if (signal.aborted) throw error
        throw describeFailure(error, mod, origin, apiKey, config.timeoutMs)
      }
      const scanner = new EventArrayScanner()
      const chunks = stream[Symbol.asyncIterator]()
      let refusal = ''
      let bad: BadBatch | undefined
      let emittedNow = 0
      try {
        while (bad === undefined && emitted < request.count) {
          let next: IteratorResult<ChatChunk>
          try {
            next = await chunks.next()
          } catch (error) {
            if (signal.aborted) throw error
            throw describeFailure(error, mod, origin, apiKey, config.timeoutMs)
          }
          if (next.done) break
          const delta = next.value.choices?.[0]?.delta
          if (delta?.refusal) refusal += delta.refusal
          if (!delta?.content) continue
          for (const raw of scanner.push(delta.content)) {
            const event = acceptEvent(raw, request.start + emitted, config.schema, base)
            if ('cause' in event) {
              bad = event
              break
            }
            emitted++
            emittedNow++
            previous = [...previous, event.data].slice(-PREVIOUS_CONTEXT)
            // The model may echo the key (from its context or its training): it never reaches a frame.
            yield redactValue(event.data, apiKey)
            if (emitted === request.count) break
          }
        }
      } finally {
        // Whatever ended the loop (enough events, a bad one, the caller stopping), the rest of the answer is not needed.
        stream.controller.abort()
      }
      if (emitted === request.count || (bad === undefined && emittedNow > 0)) return
      if (refusal && emittedNow === 0) {
        throw new AiGenerationError('refusal', `the model refused: ${redactSecrets(snippet(refusal), apiKey)}`, 'Rephrase the narrative or try another model')
      }
      if (bad === undefined) {
        // Nothing usable was streamed: the whole answer says why (or holds events in a shape the scanner does not know).
        const whole = parseBatch(scanner.text, remaining, config.schema, base)
        if (Array.isArray(whole)) {
          for (const data of whole) yield redactValue(data, apiKey)
          return
        }
        bad = whole
      }
      rejected = { ...bad, content: scanner.text }
    }
    const last = rejected as BadBatch
    throw new AiGenerationError(
      last.kind,
      `${redactSecrets(last.cause, apiKey)} (${attempts} attempts)`,
      last.kind === 'schema'
        ? 'Loosen the schema, or describe the constraint in the narrative so the model follows it'
        : 'Use a model that supports structured output (response_format json_schema), or lower batchSize',
    )
  }

  return { streamBatch }
}

/** The part of a streamed chat completion chunk that is read. */
interface ChatChunk {
  choices?: { delta?: { content?: string | null; refusal?: string | null } }[]
}

/** Events of the current batch handed back to the model as context of a retry. */
const PREVIOUS_CONTEXT = 3

/** Parses one streamed event's JSON, merges it onto the base and checks it against the schema. */
function acceptEvent(raw: string, index: number, schema: JsonSchema | undefined, base: unknown): { data: unknown } | BadBatch {
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch (error) {
    return { kind: 'invalid-json', cause: `the model returned invalid JSON (${(error as Error).message}): ${snippet(raw)}` }
  }
  const data = base === undefined ? parsed : merge(base, parsed)
  return schemaProblem(data, index, schema) ?? { data }
}

function schemaProblem(data: unknown, index: number, schema: JsonSchema | undefined): BadBatch | undefined {
  const issues = schema ? validateSchema(data, schema, '$.data') : []
  if (issues.length === 0) return undefined
  const shown = issues.slice(0, SCHEMA_ISSUES_SHOWN).map((issue) => `${issue.path}: ${issue.message}`)
  const more = issues.length > SCHEMA_ISSUES_SHOWN ? ` (+${issues.length - SCHEMA_ISSUES_SHOWN} more)` : ''
  return { kind: 'schema', cause: `event ${index + 1} does not match the schema: ${shown.join('; ')}${more}` }
}

interface BadBatch {
  kind: AiErrorKind
  cause: string
}

function userPrompt(config: ResolvedAiConfig, request: BatchRequest, base: unknown): string {
  const lines = [
    `Scenario: ${config.narrative}`,
    `Event type: ${config.eventType}`,
    `Generate events ${request.start + 1} to ${request.start + request.count} of ${request.total} (exactly ${request.count} events).`,
  ]
  if (config.schema) lines.push(`Each event must match this JSON schema: ${JSON.stringify(config.schema)}`)
  if (base !== undefined) {
    lines.push(`Start every event from this base and replace its values with realistic, varied ones: ${JSON.stringify(base)}`)
  }
  if (request.previous.length > 0) {
    lines.push(`Continue naturally from the previous events: ${JSON.stringify(request.previous)}`)
  }
  lines.push('Answer as {"events": [...]}.')
  return lines.join('\n')
}

function batchSchema(schema: JsonSchema | undefined, count: number): Record<string, unknown> {
  return {
    type: 'object',
    properties: {
      events: { type: 'array', items: schema ?? { type: 'object' }, minItems: count, maxItems: count },
    },
    required: ['events'],
    additionalProperties: false,
  }
}

function parseBatch(content: string, request: BatchRequest, schema: JsonSchema | undefined, base: unknown): unknown[] | BadBatch {
  if (content.trim() === '') return { kind: 'invalid-json', cause: 'the model returned no content' }
  let parsed: unknown
  try {
    parsed = JSON.parse(stripCodeFence(content))
  } catch (error) {
    return { kind: 'invalid-json', cause: `the model returned invalid JSON (${(error as Error).message}): ${snippet(content)}` }
  }
  const events = Array.isArray(parsed) ? parsed : isPlainObject(parsed) ? parsed.events : undefined
  if (!Array.isArray(events) || events.length === 0) {
    return { kind: 'invalid-json', cause: `the model's JSON has no non-empty "events" array: ${snippet(content)}` }
  }
  const batch = events.slice(0, request.count).map((event) => (base === undefined ? event : merge(base, event)))
  for (const [i, event] of batch.entries()) {
    const bad = schemaProblem(event, request.start + i, schema)
    if (bad) return bad
  }
  return batch
}

// Some OpenAI-compatible servers ignore response_format and wrap JSON in a Markdown fence.
function stripCodeFence(text: string): string {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/.exec(text)
  return fenced?.[1] ?? text
}

function merge(base: unknown, overlay: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(overlay)) return overlay
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(overlay)) out[key] = key in base ? merge(base[key], value) : value
  return out
}

function describeFailure(
  error: unknown,
  mod: OpenAiModule,
  origin: string,
  apiKey: string | undefined,
  timeoutMs: number,
): AiGenerationError {
  const clean = (text: string) => redactSecrets(snippet(text), apiKey)
  if (error instanceof mod.APIConnectionTimeoutError) {
    return new AiGenerationError(
      'connection',
      `the request to ${origin} timed out after ${timeoutMs} ms`,
      'Raise timeoutMs, lower batchSize, or check that the server is responsive',
    )
  }
  if (error instanceof mod.APIConnectionError) {
    return new AiGenerationError(
      'connection',
      `could not reach ${origin} (${clean(rootCause(error))})`,
      'Check baseURL and that the server is running',
    )
  }
  if (error instanceof mod.APIError && typeof error.status === 'number') {
    const status = error.status
    const body = error.message.replace(/^\d{3}\s*/, '')
    return new AiGenerationError('http', `HTTP ${status} from ${origin}: ${clean(body)}`, httpHint(status), status)
  }
  return new AiGenerationError(
    'connection',
    `the request to ${origin} failed (${clean(errorMessage(error))})`,
    'Check baseURL, model and the server logs',
  )
}

function httpHint(status: number): string {
  if (status === 401 || status === 403) return 'Check the API key (apiKey or OPENAI_API_KEY) and its permissions'
  if (status === 404) return 'Check model and baseURL (an OpenAI-compatible baseURL usually ends in /v1)'
  if (status === 429) return 'The provider is rate limiting: retry later, raise maxRetries, or lower eventCount'
  if (status >= 500) return 'The provider failed: retry later or raise maxRetries'
  return 'Check model, schema and the provider documentation'
}

function rootCause(error: Error): string {
  let current: unknown = error
  let message = error.message
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code
    message = typeof code === 'string' ? `${code}: ${current.message}` : current.message
    current = current.cause
  }
  return message
}

function displayUrl(raw: string): string {
  try {
    const url = new URL(raw)
    url.username = ''
    url.password = ''
    url.search = ''
    url.hash = ''
    return url.toString().replace(/\/$/, '')
  } catch {
    return '(invalid baseURL)'
  }
}
