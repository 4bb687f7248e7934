import { DEFAULT_CLI_PORT, DEFAULT_HOST } from '../constants.js'
import { MockWsError } from '../errors.js'
import { mockWs, type MockWsBuilder } from './builder.js'
import { ENV, envFlag, envString } from './env.js'
import type { MockWs, MockWsOptions } from './mock-ws.js'

/** Settings of a standalone server, from flags and/or the environment. */
export interface ServeSettings extends MockWsOptions {
  replay?: string
  /** Upstream URL to proxy every connection to (`MOCKFORGE_WS_PROXY_UPSTREAM_URL`). */
  proxy?: string
  /** File to record each connection to (`{connection}` in the name: one file per connection). */
  record?: string
}

/**
 * Resolves the standalone server's settings: explicit values win, then the environment, then defaults
 * (port 3001, host 127.0.0.1, templates expanded unless `MOCKFORGE_RESPONSE_TEMPLATE_EXPAND` says otherwise).
 * @example
 * resolveServeSettings({ port: 0 }, process.env)
 */
export function resolveServeSettings(explicit: ServeSettings = {}, env: NodeJS.ProcessEnv = process.env): ServeSettings {
  const envPort = envString(ENV.port, env)
  let port = explicit.port
  if (port === undefined && envPort !== undefined) {
    port = Number(envPort)
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new MockWsError('WSM_CONFIG', `Failed to read ${ENV.port}: "${envPort}" is not a port number (0-65535).`)
    }
  }
  const replay = explicit.replay ?? envString(ENV.replayFile, env)
  const proxy = explicit.proxy ?? envString(ENV.proxyUpstream, env)
  if (proxy && replay) {
    throw new MockWsError('WSM_CONFIG', `Failed to configure the server: both a proxy upstream (${proxy}) and a replay file (${replay}) are set. Set only one of --proxy/${ENV.proxyUpstream} and --replay/${ENV.replayFile}.`)
  }
  return {
    ...explicit,
    port: port ?? DEFAULT_CLI_PORT,
    host: explicit.host ?? envString(ENV.host, env) ?? DEFAULT_HOST,
    expandTemplates: explicit.expandTemplates ?? envFlag(ENV.templateExpand, env) ?? true,
    strictPort: explicit.strictPort ?? true,
    ...(replay ? { replay } : {}),
    ...(proxy ? { proxy } : {}),
  }
}

/** Builds (without starting) the mock a settings object describes. */
export function builderFromSettings(settings: ServeSettings): MockWsBuilder {
  const { replay, proxy, record, ...options } = settings
  const builder = mockWs(options)
  if (replay) builder.replay(replay)
  if (proxy) builder.proxy(proxy)
  if (record) builder.record({ file: record })
  return builder
}

/**
 * Starts a standalone mock configured by `MOCKFORGE_WS_*` environment variables (as the CLI does).
 * @example
 * process.env.MOCKFORGE_WS_REPLAY_FILE = 'examples/chat.jsonl'
 * const ws = await serveFromEnv()
 */
export function serveFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: ServeSettings = {}): Promise<MockWs> {
  return builderFromSettings(resolveServeSettings(overrides, env)).start()
}
