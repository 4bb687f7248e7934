import type { Clock } from '../template/clock.js'
import { validateAiConfig } from './config.js'
import { AiEventGenerator } from './generator.js'
import type { AiEventSink, WebSocketAiConfig } from './types.js'

/**
 * Streams a mock's AI events into one connection (a fresh stream per connection); resolves with the
 * number of events sent, at once when AI is disabled, and early when `signal` aborts or the socket closes.
 * Rejects with an `AiGenerationError` when generation fails.
 * @example
 * const sent = await runAiOnConnection(conn, { enabled: true, replay: { narrative: 'Chat', provider: 'offline' } }, signal)
 */
export async function runAiOnConnection(
  conn: AiEventSink,
  aiConfig: WebSocketAiConfig,
  signal?: AbortSignal,
  clock?: Clock,
): Promise<number> {
  validateAiConfig(aiConfig)
  if (!aiConfig.enabled || !aiConfig.replay) return 0
  const generator = new AiEventGenerator(aiConfig.replay)
  const rate = aiConfig.eventRate ?? generator.config.eventRate
  const options = { ...(signal ? { signal } : {}), ...(clock ? { clock } : {}) }
  return rate === undefined
    ? generator.streamEvents(conn, aiConfig.maxEvents, options)
    : generator.streamEventsWithRate(conn, aiConfig.maxEvents, rate, options)
}
