import { InvalidArgumentError, type Command } from 'commander'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { builderFromSettings, resolveServeSettings, type ServeSettings } from '../server/serve-from-env.js'
import type { MockWs } from '../server/mock-ws.js'
import { LatencyProfile, metricsContentType, metricsText, type LatencyPresetName } from '../index.js'
import type { CliIo } from './io.js'
import { runUntilStopped } from './run-until-stopped.js'
import { cliRecordOptions, numberFlag, withRecordTransformFlags, type RecordTransformFlags } from './record-flags.js'

/** Parses a port flag value. */
export const parsePort = numberFlag((n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'expected a port number 0-65535')
const parseInteger = numberFlag(Number.isInteger, 'expected an integer')

/** Parses a `--latency` value: a preset name, any case; the error lists every preset. */
export function parseLatencyName(value: string): LatencyPresetName {
  const name = value.trim().toLowerCase()
  const preset = LatencyProfile.names.find((n) => n === name)
  if (!preset) throw new InvalidArgumentError(`unknown latency profile; use one of ${LatencyProfile.names.join(', ')}`)
  return preset
}

interface ServeFlags extends RecordTransformFlags {
  port?: number
  host?: string
  path?: string
  replay?: string
  expand?: boolean
  seed?: number
  latency?: LatencyPresetName
  proxy?: string
  record?: string
}

/** The CLI server's plain-HTTP routes: `/healthz` and `/metrics`. */
export function cliHttpHandler(getMock: () => MockWs | undefined) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '/').split('?')[0]
    if (path === '/healthz') {
      const mock = getMock()
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ status: 'ok', connections: mock?.connections.length ?? 0 }))
      return true
    }
    if (path === '/metrics') {
      res.writeHead(200, { 'content-type': metricsContentType })
      res.end(await metricsText())
      return true
    }
    return false
  }
}

/** Starts the CLI server; resolves with the running mock and a function that waits for a stop signal. */
export async function startServe(flags: ServeFlags, io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<MockWs> {
  const explicit: ServeSettings = {
    ...(flags.port !== undefined ? { port: flags.port } : {}),
    ...(flags.host !== undefined ? { host: flags.host } : {}),
    ...(flags.path !== undefined ? { path: flags.path } : {}),
    ...(flags.replay !== undefined ? { replay: flags.replay } : {}),
    ...(flags.expand !== undefined ? { expandTemplates: flags.expand } : {}),
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    ...(flags.proxy !== undefined ? { proxy: flags.proxy } : {}),
  }
  let mock: MockWs | undefined
  const settings = resolveServeSettings({ ...explicit, httpHandler: cliHttpHandler(() => mock) }, env)
  if (settings.host === '0.0.0.0' || settings.host === '::') {
    io.err(`warning: listening on ${settings.host} exposes the mock to every network this machine is on; use 127.0.0.1 unless you mean it`)
  }
  const builder = builderFromSettings(settings)
  if (flags.latency !== undefined) builder.latency(flags.latency)
  if (flags.record !== undefined) builder.record(cliRecordOptions(flags.record, io, flags))
  mock = await builder.start()
  const behaviour = settings.proxy ? `proxying to ${settings.proxy}` : settings.replay ? `replaying ${settings.replay}` : 'echo'
  const what = behaviour + (flags.latency !== undefined ? `, latency ${flags.latency}` : '') + (flags.record !== undefined ? `, recording to ${flags.record}` : '')
  io.out(`mockforge-ws listening on ${mock.url} (${what})`)
  io.out(`metrics: http://${mock.url.slice('ws://'.length).split('/')[0]}/metrics`)
  return mock
}

/** Registers `mockforge-ws serve`. */
export function registerServe(program: Command, io: CliIo): void {
  withRecordTransformFlags(program.command('serve'))
    .description('run a mock WebSocket server (echo, or a replay file) until SIGINT/SIGTERM')
    .option('--port <n>', 'port (default $MOCKFORGE_WS_PORT or 3001; 0 = any free port)', parsePort)
    .option('--host <addr>', 'bind address (default $MOCKFORGE_WS_HOST or 127.0.0.1)')
    .option('--path <path>', "WebSocket path ('*' = any)", '/ws')
    .option('--replay <file>', 'replay file (default $MOCKFORGE_WS_REPLAY_FILE)')
    .option('--expand', 'expand template tokens (default; or $MOCKFORGE_RESPONSE_TEMPLATE_EXPAND)')
    .option('--no-expand', 'send template tokens verbatim')
    .option('--seed <n>', 'seed for {{uuid}}, {{randInt}}, latency', parseInteger)
    .option('--latency <name>', `delay server→client messages: ${LatencyProfile.names.join(', ')}`, parseLatencyName)
    .option('--proxy <url>', 'forward every connection to this ws:// or wss:// upstream (default $MOCKFORGE_WS_PROXY_UPSTREAM_URL)')
    .option('--record <file>', 'write each connection as a replay file when it closes ({connection} in the name: one file each)')
    .action((flags: ServeFlags) => runUntilStopped(() => startServe(flags, io), io))
}
