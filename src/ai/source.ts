import { createRandom } from '../template/random.js'
import type { ResolvedAiConfig } from './config.js'
import { offlineEvent, staticExample } from './offline.js'

/** One request for events: `count` events starting at 0-based position `start`. */
export interface BatchRequest {
  start: number
  count: number
  /** Events in the whole stream. */
  total: number
  /** The last events' data so far, so that a model can continue the story. */
  previous: readonly unknown[]
}

/** Produces event data in batches; the generator streams and paces what it yields. */
export interface EventSource {
  /**
   * Yields 1..count events' data one by one as they are produced (a model's answer as it streams); throws an
   * AiGenerationError, or an AbortError when `signal` aborts.
   */
  streamBatch(request: BatchRequest, signal: AbortSignal): AsyncIterable<unknown>
}

/** Creates the offline source: deterministic for a given seed, schema-shaped, no network. */
export function createOfflineSource(config: ResolvedAiConfig): EventSource {
  // One random stream per source, drawn in order, so the n-th event is the same on every run.
  const random = createRandom(config.seed)
  return {
    async *streamBatch(request, signal) {
      for (let i = 0; i < request.count; i++) {
        signal.throwIfAborted()
        yield offlineEvent(config, random, request.start + i)
      }
    },
  }
}

/** Creates the source of `mode: 'static'`: the schema's example (or a fixed themed event) for every event. */
export function createStaticSource(config: ResolvedAiConfig): EventSource {
  const example = config.schema ? staticExample(config.schema) : offlineEvent(config, createRandom(config.seed), 0)
  const text = JSON.stringify(example)
  return {
    async *streamBatch(request, signal) {
      signal.throwIfAborted()
      // A fresh copy per event, so a caller that edits one event does not edit them all.
      for (let i = 0; i < request.count; i++) yield JSON.parse(text) as unknown
    },
  }
}
