// Flag parsers and the record-option flags shared by `record`, `serve --record` and `import-har` (a leaf of the CLI's commands).
import { InvalidArgumentError, type Command } from 'commander'
import type { RecordOptions } from '../proxy/recorder.js'
import { resolveRecordTransform, type InboundMatching, type RecordTransformOptions, type VolatileMode } from '../replay/record-transform.js'
import type { CliIo } from './io.js'

/** The record-option flags shared by `record`, `serve --record` and `import-har`. */
export interface RecordTransformFlags {
  inbound?: InboundMatching
  correlate?: boolean
  ignore?: string[]
  volatile?: VolatileMode
}

function choice<T extends string>(values: readonly T[]): (value: string) => T {
  return (value) => {
    const found = values.find((v) => v === value)
    if (!found) throw new InvalidArgumentError(`expected one of ${values.join(', ')}`)
    return found
  }
}

/** A commander parser for a number flag: `ok` decides, `message` explains a refusal. */
export function numberFlag(ok: (n: number, value: string) => boolean, message: string): (value: string) => number {
  return (value) => {
    const n = Number(value)
    if (!ok(n, value)) throw new InvalidArgumentError(message)
    return n
  }
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

/** Adds `--inbound`, `--no-correlate`, `--ignore PATH` (repeatable) and `--volatile` to a command. */
export function withRecordTransformFlags(command: Command): Command {
  return command
    .option('--inbound <mode>', "how client messages are matched on replay: json (default), exact, any", choice<InboundMatching>(['json', 'exact', 'any']))
    .option('--no-correlate', 'keep client ids echoed by the server as recorded (default: capture them as {{match.NAME}})')
    .option('--ignore <path>', 'JSON path left out of recorded client messages, e.g. $.payload.ts (repeatable)', collect)
    .option('--volatile <mode>', 'auto (default): leave out UUIDs, timestamps, epoch ms; none: keep them', choice<VolatileMode>(['auto', 'none']))
}

/** The record options given by the flags, validated (a bad `--ignore` path fails before anything starts). */
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
