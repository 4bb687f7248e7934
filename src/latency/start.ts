import { MockWsError } from '../errors.js'
import type { MockWs } from '../server/mock-ws.js'
import { builderFromSettings, resolveServeSettings, type ServeSettings } from '../server/serve-from-env.js'
import type { LatencyDirection, LatencyInjector } from './injector.js'
import type { LatencyProfileInput } from './profile.js'

/**
 * Options of `startWithLatency`: the standalone server's settings, plus which way to delay.
 * @example
 * await startWithLatency(0, '3g', { host: '127.0.0.1', direction: 'both', seed: 1 })
 */
export interface StartWithLatencyOptions extends Omit<ServeSettings, 'port'> {
  /** Traffic to delay when `profile` is not an injector (default `'out'`: server→client). */
  direction?: LatencyDirection
  /** Environment read for `MOCKFORGE_WS_*` settings (default `process.env`). */
  env?: NodeJS.ProcessEnv
}

/**
 * Starts a standalone mock server with optional latency, as `mockforge-ws serve [--latency]` does: echo,
 * or the replay file of `MOCKFORGE_WS_REPLAY_FILE`. Without a profile (`undefined` or `null`, the Rust
 * crate's `None`) it adds no latency. Resolves once listening with the running mock.
 * @example
 * const running = await startWithLatency(3001, LatencyProfile.normal())
 * await running.close()
 * const plain = await startWithLatency(0) // no latency
 */
export async function startWithLatency(
  port: number,
  profile?: LatencyProfileInput | LatencyInjector | null,
  options: StartWithLatencyOptions = {},
): Promise<MockWs> {
  const { direction, env = process.env, ...settings } = options
  const builder = builderFromSettings(resolveServeSettings({ ...settings, port }, env))
  if (profile === undefined || profile === null) {
    if (direction !== undefined) {
      throw new MockWsError('WSM_CONFIG', `Failed to start with latency: direction '${String(direction)}' was given without a profile. Pass a profile such as '4g', or leave direction out.`)
    }
    return builder.start()
  }
  return builder.latency(profile, direction !== undefined ? { direction } : {}).start()
}
