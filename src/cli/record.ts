import type { Command } from 'commander'
import { mockWs } from '../server/builder.js'
import type { MockWs } from '../server/mock-ws.js'
import { resolveServeSettings } from '../server/serve-from-env.js'
import { RECORD_CONNECTION_PLACEHOLDER } from '../proxy/recorder.js'
import type { CliIo } from './io.js'
import { cliRecordOptions, withRecordTransformFlags, type RecordTransformFlags } from './record-flags.js'
import { runUntilStopped } from './run-until-stopped.js'
import { cliHttpHandler, parsePort } from './serve.js'

interface RecordFlags extends RecordTransformFlags {
  upstream: string
  out: string
  port?: number
  host?: string
  path: string
  appendPath?: boolean
}

/** Starts a proxy to `--upstream` that records each connection to `--out`; resolves with the running mock. */
export async function startRecord(flags: RecordFlags, io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<MockWs> {
  let mock: MockWs | undefined
  // Only the listener settings come from the environment: this command never replays.
  const { replay: _replay, proxy: _proxy, record: _record, ...settings } = resolveServeSettings(
    {
      ...(flags.port !== undefined ? { port: flags.port } : {}),
      ...(flags.host !== undefined ? { host: flags.host } : {}),
      path: flags.path,
      httpHandler: cliHttpHandler(() => mock),
    },
    { ...env, MOCKFORGE_WS_REPLAY_FILE: '', MOCKFORGE_WS_PROXY_UPSTREAM_URL: '' },
  )
  mock = await mockWs(settings)
    .proxy(flags.upstream, { path: flags.appendPath ? 'append' : 'fixed' })
    .record(cliRecordOptions(flags.out, io, flags))
    .start()
  io.out(`mockforge-ws listening on ${mock.url} (recording ${flags.upstream} to ${flags.out})`)
  if (!flags.out.includes(RECORD_CONNECTION_PLACEHOLDER)) {
    io.out(`only the first connection is written; put ${RECORD_CONNECTION_PLACEHOLDER} in --out to keep every connection`)
  }
  return mock
}

/** Registers `mockforge-ws record`. */
export function registerRecord(program: Command, io: CliIo): void {
  withRecordTransformFlags(program.command('record'))
    .description('proxy to an upstream and record the traffic as a replay file, written when a connection closes or on SIGINT/SIGTERM')
    .requiredOption('--upstream <url>', 'ws:// or wss:// server to forward to')
    .requiredOption('--out <file>', `replay file to write (${RECORD_CONNECTION_PLACEHOLDER} in the name: one file per connection)`)
    .option('--port <n>', 'port (default $MOCKFORGE_WS_PORT or 3001; 0 = any free port)', parsePort)
    .option('--host <addr>', 'bind address (default $MOCKFORGE_WS_HOST or 127.0.0.1)')
    .option('--path <path>', "WebSocket path to accept ('*' = any)", '*')
    .option('--append-path', "append the client's path to the upstream URL's path (default: the upstream path as given)")
    .action((flags: RecordFlags) => runUntilStopped(() => startRecord(flags, io), io))
}
