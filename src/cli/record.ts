import { InvalidArgumentError, type Command } from 'commander'
import { mockWs } from '../server/builder.js'
import type { MockWs } from '../server/mock-ws.js'
import { resolveServeSettings } from '../server/serve-from-env.js'
import { RECORD_CONNECTION_PLACEHOLDER, type RecordOptions } from '../proxy/recorder.js'
import { resolveRecordTransform, type InboundMatching, type RecordTransformOptions, type VolatileMode } from '../replay/record-transform.js'
import type { CliIo } from './io.js'
import { runUntilStopped } from './run-until-stopped.js'
import { cliHttpHandler, parsePort } from './serve.js'

/**
 * The record-option flags shared by `record`, `serve --record` and `import-har`.
 * @example
 * const flags: RecordTransformFlags = { inbound: 'any', ignore: ['$.ts'] }
 */
export interface RecordTransformFlags {
  inbound?: InboundMatching
  correlate?: boolean
  ignore?: string[]
  volatile?: VolatileMode
}

interface RecordFlags extends RecordTransformFlags {
  upstream: string
  out: string
  port?: number
  host?: string
  path: string
  appendPath?: boolean
}

function choice<T extends string>(values: readonly T[]): (value: string) => T {
  return (value) => {
    const found = values.find((v) => v === value)
    if (!found) throw new InvalidArgumentError(`expected one of ${values.join(', ')}`)
    return found
  }
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

/**
 * Adds `--inbound`, `--no-correlate`, `--ignore PATH` (repeatable) and `--volatile` to a command.
 * @example
 * withRecordTransformFlags(program.command('record'))
 */
export function withRecordTransformFlags(command: Command): Command {
  return command
    .option('--inbound <mode>', "how client messages are matched on replay: json (default), exact, any", choice<InboundMatching>(['json', 'exact', 'any']))
    .option('--no-correlate', 'keep client ids echoed by the server as recorded (default: capture them as {{match.NAME}})')
    .option('--ignore <path>', 'JSON path left out of recorded client messages, e.g. $.payload.ts (repeatable)', collect)
    .option('--volatile <mode>', 'auto (default): leave out UUIDs, timestamps, epoch ms; none: keep them', choice<VolatileMode>(['auto', 'none']))
}

/**
 * The record options given by the flags, validated (a bad `--ignore` path fails before anything starts).
 * @example
 * recordTransformFromFlags({ correlate: false }, 'record') // { correlate: false }
 */
export function recordTransformFromFlags(flags: RecordTransformFlags, what: string): RecordTransformOptions {
  const options: RecordTransformOptions = {
    ...(flags.inbound !== undefined ? { inbound: flags.inbound } : {}),
    ...(flags.correlate === false ? { correlate: false } : {}),
    ...(flags.ignore !== undefined ? { ignore: flags.ignore } : {}),
    ...(flags.volatile !== undefined ? { volatile: flags.volatile } : {}),
  }
  resolveRecordTransform(options, what)
  return options
}

/** Record options that report every written file (and every failure) on the CLI's output. */
export function cliRecordOptions(file: string, io: CliIo, flags: RecordTransformFlags = {}): RecordOptions {
  return {
    ...recordTransformFromFlags(flags, '--record'),
    file,
    onWrite: ({ connection, file: written, entries }) => io.out(`recorded connection #${connection}: ${entries} entr${entries === 1 ? 'y' : 'ies'} -> ${written}`),
    onError: (error, connection) => io.err(`error: failed to write the recording of connection #${connection}: ${error.message}`),
  }
}

/**
 * Starts a proxy to `--upstream` that records each connection to `--out`; resolves with the running mock.
 * @example
 * const mock = await startRecord({ upstream: 'ws://127.0.0.1:8080/ws', out: 'session.jsonl', path: '*', port: 0 }, processIo)
 */
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
