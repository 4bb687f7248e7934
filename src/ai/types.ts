import type { Clock } from '../template/clock.js'
import type { JsonSchema } from './schema.js'

/** Where event data comes from: a model (`generated`), a schema skeleton filled in by a model (`augmented`), or the skeleton alone (`static`). */
export type AiReplayMode = 'generated' | 'augmented' | 'static'

/** `openai`: any OpenAI-compatible chat completions endpoint. `offline`: deterministic, seeded, schema-shaped events with no network. */
export type AiProvider = 'openai' | 'offline'

/**
 * Configuration of an {@link AiEventGenerator}: what to generate, how many, and from which provider.
 * @example
 * const config: ReplayAugmentationConfig = { narrative: 'Simulate stock trading', eventCount: 50, eventType: 'trade', provider: 'offline', seed: 7 }
 */
export interface ReplayAugmentationConfig {
  /** Description of the scenario the events tell, e.g. "Simulate 10 minutes of market data". */
  narrative: string
  /** Number of events to generate (default 10). */
  eventCount?: number
  /** `type` field of every frame (default `'event'`). */
  eventType?: string
  /** JSON schema of each event's `data`; model output is validated against it. */
  schema?: JsonSchema
  /** Default `'generated'`. */
  mode?: AiReplayMode
  /** Default `'openai'`. */
  provider?: AiProvider
  /** Model name (default `gpt-4o-mini`). */
  model?: string
  /** Base URL of an OpenAI-compatible API, e.g. `http://127.0.0.1:8080/v1` for llama.cpp or vLLM. */
  baseURL?: string
  /** API key (default `OPENAI_API_KEY`); never printed. */
  apiKey?: string
  /** Sampling temperature (default 0.7). */
  temperature?: number
  /** Seed: makes the offline provider reproducible; passed to the model as a best-effort hint. */
  seed?: number
  /** Events per model request (default 20). */
  batchSize?: number
  /** Default pace of `streamEvents` and the `ts` spacing of `toReplay`, in events per second (default: as fast as generated). */
  eventRate?: number
  /** HTTP-level retries made by the openai client on 429/5xx/network errors (default 2). */
  maxRetries?: number
  /** Time one model request may take, in ms (default 60000). */
  timeoutMs?: number
  /** Clock for the frames' `timestamp` (default `Date.now`). */
  now?: () => number
}

/**
 * AI settings of a mock (`mockWs().ai(config)`): every connection gets its own generated stream.
 * @example
 * await mockWs().ai({ enabled: true, replay: { narrative: 'Chat room', provider: 'offline' }, maxEvents: 20 })
 */
export interface WebSocketAiConfig {
  /** Nothing is generated unless true. */
  enabled: boolean
  /** What to generate. */
  replay?: ReplayAugmentationConfig
  /** Cap on events sent per connection (default: `replay.eventCount`). */
  maxEvents?: number
  /** Events per second per connection (default: `replay.eventRate`, else as fast as generated). */
  eventRate?: number
}

/**
 * One frame as sent to the client (serialized as JSON text).
 * @example
 * const frame: AiEventFrame = { type: 'trade', timestamp: '2024-01-01T00:00:00.000Z', sequence: 1, data: { price: 1 } }
 */
export interface AiEventFrame {
  type: string
  /** RFC 3339 time the frame was produced. */
  timestamp: string
  /** 1-based position in the stream. */
  sequence: number
  data: unknown
}

/**
 * Anything events can be streamed into: a `ws` WebSocket, a mock connection, or a test double.
 * A socket that has `readyState` is written to only while it equals `OPEN` (default 1); one with
 * `once('close')` or `addEventListener('close')` stops the stream as soon as it closes.
 * @example
 * const sink: AiEventSink = { send: (text) => console.log(text) }
 */
export interface AiEventSink {
  send(data: string): void
  readonly readyState?: number
  readonly OPEN?: number
}

/**
 * Options of a stream call.
 * @example
 * await gen.streamEvents(socket, 10, { signal: AbortSignal.timeout(5000) })
 */
export interface AiStreamOptions {
  /** Stops the stream (and any model request in flight) when aborted; the call then resolves. */
  signal?: AbortSignal
  /** Timers and clock that pace the events (default: the globals at call time; a mock passes its `clock`). */
  clock?: Clock
}

/**
 * Options of {@link AiEventGenerator.toReplay}.
 * @example
 * await gen.toReplay({ eventsPerSecond: 2 })
 */
export interface AiReplayOptions {
  /** Spacing of the entries' `ts` (default: `eventRate` of the config; without one every `ts` is 0). */
  eventsPerSecond?: number
  /** Cap on the number of entries (default: `eventCount`). */
  maxEvents?: number
  /** Called with the number of events generated so far, as they arrive (progress display). */
  onEvent?: (generated: number) => void
}
