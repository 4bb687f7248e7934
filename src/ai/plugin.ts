import { CLOSE_INTERNAL_ERROR } from '../constants.js'
import { toError } from '../session/to-error.js'
import type { BehaviourPlugin } from '../session/plugin.js'
import { validateAiConfig } from './config.js'
import { runAiOnConnection } from './run-on-connection.js'
import type { WebSocketAiConfig } from './types.js'

/** Close code sent when AI generation fails mid-stream. */
export const CLOSE_AI_FAILED = CLOSE_INTERNAL_ERROR

/**
 * The behaviour behind `mockWs().ai(config)`: every connection gets its own generated event stream,
 * stopped when the client leaves; a generation error is recorded as a failure and closes that
 * connection with 1011.
 * @example
 * await mockWs().use(aiPlugin({ enabled: true, replay: { narrative: 'Chat', provider: 'offline' } }))
 */
export function aiPlugin(config: WebSocketAiConfig): BehaviourPlugin {
  validateAiConfig(config)
  return {
    handler: () => (conn, engine) => {
      const abort = new AbortController()
      conn.onClose(() => abort.abort())
      runAiOnConnection(conn, config, abort.signal, engine.clock).catch((error: unknown) => {
        if (abort.signal.aborted) return
        const cause = toError(error, 'WSM_AI')
        engine.error(conn, cause)
        engine.addFailure({
          kind: 'send-failed',
          connection: conn.id,
          step: 0,
          expected: 'AI event stream',
          actual: cause.message,
          ts: conn.elapsed(),
          message: `AI generation failed: ${cause.message}`,
        })
        conn.close(CLOSE_AI_FAILED, 'mockforge-ws: AI generation failed')
      })
    },
  }
}
