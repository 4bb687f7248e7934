import type { ReplayEntry } from '../replay/types.js'
import { resolveAiConfig } from './config.js'
import type { ResolvedAiConfig } from './config.js'
import { AI_EPOCH_MS, AI_SEEDED_SPACING_MS } from './defaults.js'
import { AiGenerationError } from '../errors.js'
import { createOpenAiSource } from './openai-source.js'
import { delayUntil, RateSchedule } from './pacing.js'
import { fakeClock } from '../template/clock.js'
import { escapeTemplateText } from '../template/escape.js'
import { createOfflineSource, createStaticSource } from './source.js'
import type { EventSource } from './source.js'
import type {
  AiEventFrame,
  AiEventSink,
  AiReplayOptions,
  AiStreamOptions,
  ReplayAugmentationConfig,
} from './types.js'

/** Events handed to the model as context for the next batch. */
const PREVIOUS_EVENTS_CONTEXT = 3
const WS_OPEN = 1

interface Generated {
  sequence: number
  data: unknown
}

interface ClosableSink extends AiEventSink {
  closed?: unknown
  isOpen?: unknown
  once?(event: 'close', listener: () => void): unknown
  off?(event: 'close', listener: () => void): unknown
  removeListener?(event: 'close', listener: () => void): unknown
  addEventListener?(event: 'close', listener: () => void): unknown
  removeEventListener?(event: 'close', listener: () => void): unknown
}

/**
 * Generates a stream of events from a narrative (OpenAI-compatible model, or the offline provider)
 * and streams it into a socket as it is generated, optionally paced.
 * @example
 * const gen = new AiEventGenerator({ narrative: 'Simulate stock market trading', eventCount: 50, eventType: 'trade' })
 * await gen.streamEventsWithRate(socket, undefined, 2)
 */
export class AiEventGenerator {
  /** The validated config with defaults filled in (without the API key). */
  readonly config: Readonly<ResolvedAiConfig>
  #apiKey: string | undefined
  #frozen: Promise<AiEventFrame[]> | undefined
  #seededTime: boolean

  constructor(config: ReplayAugmentationConfig) {
    const resolved = resolveAiConfig(config)
    this.config = Object.freeze(resolved.config)
    this.#apiKey = resolved.apiKey
    this.#seededTime = config.now === undefined && resolved.config.seed !== undefined
  }

  /**
   * Yields frames as they are generated, each as soon as its event is complete.
   * @example
   * for await (const frame of gen.events(5)) console.log(frame.sequence, frame.data)
   */
  async *events(maxEvents?: number, options: AiStreamOptions = {}): AsyncGenerator<AiEventFrame, void, undefined> {
    for await (const item of this.#generate(maxEvents, options.signal)) yield this.#frame(item)
  }

  /**
   * Streams up to `maxEvents` events into a socket, paced by the config's `eventRate` if set; resolves with the number sent.
   * @example
   * const sent = await gen.streamEvents(ws, 100)
   */
  streamEvents(socket: AiEventSink, maxEvents?: number, options?: AiStreamOptions): Promise<number> {
    return this.#stream(socket, maxEvents, this.config.eventRate, options)
  }

  /**
   * Streams events at `eventsPerSecond` (event k at start + k/rate on a monotonic clock); resolves with the number sent.
   * @example
   * await gen.streamEventsWithRate(ws, undefined, 2)
   */
  streamEventsWithRate(
    socket: AiEventSink,
    maxEvents: number | undefined,
    eventsPerSecond: number,
    options?: AiStreamOptions,
  ): Promise<number> {
    const bad = rateError(eventsPerSecond, 'Pass a rate such as 2 for two events per second')
    return bad ? Promise.reject(bad) : this.#stream(socket, maxEvents, eventsPerSecond, options)
  }

  /**
   * Generates the events once and freezes them into `out` replay entries (`ts` spaced by the rate, else 0),
   * so tests can replay AI output deterministically; later calls reuse the same events. A literal `{{` in
   * generated text is written as `\{{` so that template expansion leaves it alone.
   * @example
   * await writeFile('trades.jsonl', (await gen.toReplay({ eventsPerSecond: 2 })).map((e) => JSON.stringify(e)).join('\n'))
   */
  async toReplay(options: AiReplayOptions = {}): Promise<ReplayEntry[]> {
    const rate = options.eventsPerSecond ?? this.config.eventRate
    const bad = rate === undefined ? undefined : rateError(rate, 'Pass a rate such as 2, or none for ts 0')
    if (bad) throw bad
    this.#frozen ??= this.#collect(options.onEvent)
    // A failed generation is not cached, so a retry asks again.
    this.#frozen.catch(() => {
      this.#frozen = undefined
    })
    const frames = await this.#frozen
    const count = Math.min(options.maxEvents ?? frames.length, frames.length)
    return frames.slice(0, count).map((frame, k) => ({
      ts: rate === undefined ? 0 : Math.round((k * 1000) / rate),
      dir: 'out' as const,
      text: escapeTemplateText(JSON.stringify(frame)),
    }))
  }

  async #collect(onEvent: ((generated: number) => void) | undefined): Promise<AiEventFrame[]> {
    const frames: AiEventFrame[] = []
    for await (const frame of this.events()) {
      frames.push(frame)
      onEvent?.(frames.length)
    }
    return frames
  }

  #frame(item: Generated): AiEventFrame {
    return {
      type: this.config.eventType,
      timestamp: new Date(this.#timestamp(item.sequence)).toISOString(),
      sequence: item.sequence,
      data: item.data,
    }
  }

  // Under a seed and without a clock of the caller's, times are derived from the sequence (event k at the epoch plus
  // k-1 spacings of the rate), so the same seed gives byte-identical frames on every run.
  #timestamp(sequence: number): number {
    if (!this.#seededTime) return this.config.now()
    const spacing = this.config.eventRate === undefined ? AI_SEEDED_SPACING_MS : 1000 / this.config.eventRate
    return AI_EPOCH_MS + Math.round((sequence - 1) * spacing)
  }

  #createSource(): EventSource {
    if (this.config.mode === 'static') return createStaticSource(this.config)
    if (this.config.provider === 'offline') return createOfflineSource(this.config)
    return createOpenAiSource(this.config, this.#apiKey)
  }

  async *#generate(maxEvents: number | undefined, signal: AbortSignal | undefined): AsyncGenerator<Generated> {
    if (maxEvents !== undefined && !(Number.isSafeInteger(maxEvents) && maxEvents >= 0)) {
      throw new AiGenerationError(
        'config',
        `maxEvents must be a non-negative integer (got ${String(maxEvents)})`,
        'Pass a count such as 10, or undefined for eventCount',
      )
    }
    const total = Math.min(maxEvents ?? this.config.eventCount, this.config.eventCount)
    if (total === 0 || signal?.aborted) return
    const source = this.#createSource()
    const controller = new AbortController()
    const onAbort = () => controller.abort(signal?.reason)
    signal?.addEventListener('abort', onAbort, { once: true })
    let produced = 0
    let previous: readonly unknown[] = []
    try {
      // Each event is handed over as soon as it is complete: the first frame leaves while the model is still answering.
      while (produced < total) {
        const before = produced
        const batch = { start: produced, count: Math.min(this.config.batchSize, total - produced), total, previous }
        for await (const data of source.streamBatch(batch, controller.signal)) {
          produced++
          previous = [...previous, data].slice(-PREVIOUS_EVENTS_CONTEXT)
          yield { sequence: produced, data }
          if (produced >= total) break
        }
        if (produced === before) break
      }
    } finally {
      signal?.removeEventListener('abort', onAbort)
      controller.abort()
    }
  }

  async #stream(
    socket: AiEventSink,
    maxEvents: number | undefined,
    rate: number | undefined,
    options: AiStreamOptions = {},
  ): Promise<number> {
    const clock = options.clock ?? fakeClock
    const stop = new AbortController()
    const onStop = () => stop.abort()
    if (options.signal?.aborted) return 0
    options.signal?.addEventListener('abort', onStop, { once: true })
    const unwatch = watchClose(socket as ClosableSink, onStop)
    const sink = socket as ClosableSink
    const open = () =>
      typeof sink.isOpen === 'boolean' ? sink.isOpen : socket.readyState === undefined || socket.readyState === (socket.OPEN ?? WS_OPEN)
    const schedule = rate === undefined ? undefined : new RateSchedule(rate)
    const items = this.#generate(maxEvents, stop.signal)
    let sent = 0
    try {
      while (!stop.signal.aborted && open()) {
        const askedAt = clock.perfNow()
        const next = await items.next()
        if (next.done) break
        if (schedule) {
          await delayUntil(schedule.dueAt(sent, askedAt, clock.perfNow()), stop.signal, clock)
        }
        if (stop.signal.aborted || !open()) break
        socket.send(JSON.stringify(this.#frame(next.value)))
        sent++
      }
      return sent
    } catch (error) {
      // A stop (client gone, caller aborted) ends the stream quietly, whatever was in flight.
      if (stop.signal.aborted) return sent
      throw error
    } finally {
      options.signal?.removeEventListener('abort', onStop)
      unwatch()
      stop.abort()
      await items.return(undefined)
    }
  }
}

function rateError(rate: number, hint: string): AiGenerationError | undefined {
  if (Number.isFinite(rate) && rate > 0) return undefined
  return new AiGenerationError('config', `eventsPerSecond must be a positive number (got ${String(rate)})`, hint)
}

function watchClose(socket: ClosableSink, onClose: () => void): () => void {
  // A mockforge-ws connection (MockConnection, MswConnection): its `closed` promise settles when the client leaves.
  if (socket.closed instanceof Promise) {
    let watching = true
    const fire = (): unknown => watching && onClose()
    void socket.closed.then(fire, fire)
    return () => {
      watching = false
    }
  }
  if (typeof socket.once === 'function') {
    socket.once('close', onClose)
    return () => {
      if (typeof socket.off === 'function') socket.off('close', onClose)
      else socket.removeListener?.('close', onClose)
    }
  }
  if (typeof socket.addEventListener === 'function') {
    socket.addEventListener('close', onClose)
    return () => socket.removeEventListener?.('close', onClose)
  }
  return () => undefined
}
