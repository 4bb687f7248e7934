// How every owner plays a script on a connection: one template context per connection (seeded per id), the
// player with the resolved options, failures into the session. `mockWs()`, the routers and MSW call this.
import { DEFAULT_MAX_BUFFERED_BYTES, SEND_HIGH_WATER_MARK } from '../constants.js'
import { playReplay, type PlayOptions } from '../replay/player.js'
import type { CompiledReplay } from '../replay/types.js'
import type { ResolvedMockWsOptions } from '../server/options.js'
import { createTemplateContext, type FakerLike } from '../template/context.js'
import type { Connection, InboundMessage } from './connection.js'
import { connectionSeed } from './seed.js'
import type { ConnectionHandler, SessionView } from './session.js'

/** The resolved options the player reads (`resolveOptions` filled in every default). */
export type PlayerSettings = Pick<ResolvedMockWsOptions, 'seed' | 'now' | 'speed' | 'timeoutMs' | 'unexpected' | 'maxRegexInput' | 'maxBufferedBytes'>

/**
 * Plays `script` on `conn` with the session's clock, shutdown state and failure list.
 * @example
 * void play(conn, script, resolveOptions({ seed: 1 }), session)
 */
export function play(
  conn: Connection,
  script: CompiledReplay,
  options: PlayerSettings,
  session: Pick<SessionView, 'clock' | 'shuttingDown' | 'addFailure'>,
  extra: { faker?: FakerLike | undefined; afterScript?: (unconsumed: InboundMessage[]) => void } = {},
): Promise<void> {
  const context = createTemplateContext({
    ...(options.seed !== undefined ? { seed: connectionSeed(options.seed, conn.id) } : {}),
    now: options.now ?? session.clock.dateNow,
    ...(extra.faker ? { faker: extra.faker } : {}),
  })
  // A transport over a TCP socket can batch writes; never under a send limit a batch could trip.
  const { transport } = conn
  const batch = (options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES) >= SEND_HIGH_WATER_MARK && transport.cork && transport.uncork
  return playReplay(conn, script, {
    speed: options.speed,
    timeoutMs: options.timeoutMs,
    context,
    unexpected: options.unexpected,
    onFailure: (failure) => session.addFailure(failure),
    isShuttingDown: () => session.shuttingDown,
    maxRegexInput: options.maxRegexInput,
    ...(extra.afterScript ? { afterScript: extra.afterScript } : {}),
    ...(batch ? { batch: transport as PlayOptions['batch'] } : {}),
  })
}

/** What a mock does with each connection, decided when it starts. */
export interface StartContext {
  /** The mock's options, checked and with every default filled in (`resolveOptions`). */
  options: ResolvedMockWsOptions
  script: CompiledReplay | undefined
  faker: FakerLike | undefined
  /** `echo()` was called with steps: each connection plays the script, then echoes. */
  echoAfterScript?: boolean
  /** Set once the features are derived: false when no latency or message drops act on frames in flight. */
  framesInFlight?: boolean
}

/**
 * Echoes every message back unchanged (text as text, binary as binary).
 * @example
 * new Session({ handler: echoHandler })
 */
export const echoHandler: ConnectionHandler = (conn) => echoEach(conn)

/** Sends every later client message back on `conn`. */
function echoEach(conn: Connection): void {
  // Frames go back as they came, a received text as its bytes: an echo decodes and encodes nothing.
  conn.echo()
}

/**
 * Builds the per-connection handler that plays the context's script (or echoes when there is none).
 * @example
 * new Session({ handler: scriptHandler({ options, script, faker: undefined }) })
 */
export function scriptHandler(ctx: StartContext): ConnectionHandler {
  const { options, script, faker } = ctx
  if (!script) return echoHandler
  return (conn, session) => {
    void play(conn, script, options, session, {
      faker,
      ...(ctx.echoAfterScript ? { afterScript: (rest: InboundMessage[]) => echoAfterScript(conn, rest) } : {}),
    })
  }
}

/** Echoes what the script left unconsumed, in order, then every later message. */
function echoAfterScript(conn: Connection, unconsumed: readonly InboundMessage[]): void {
  for (const message of unconsumed) conn.send(message.data)
  echoEach(conn)
}
