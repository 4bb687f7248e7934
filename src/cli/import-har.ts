import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { InvalidArgumentError, type Command } from 'commander'
import { fromHar } from '../replay/from-har.js'
import { toJSONL } from '../replay/serialize.js'
import type { ProgressOutput } from './generate.js'
import { processIo, type CliIo } from './io.js'
import { recordTransformFromFlags, withRecordTransformFlags, type RecordTransformFlags } from './record-flags.js'

interface ImportHarFlags extends RecordTransformFlags {
  url?: string
  out: string
  connection?: number
}

function connectionNumber(value: string): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a 1-based integer')
  return n
}

/** Registers `mockforge-ws import-har`: one WebSocket of a HAR file (Chromium DevTools, Playwright `recordHar`) as a replay file. */
export function registerImportHar(program: Command, io: CliIo = processIo, progress: ProgressOutput = process.stderr): void {
  withRecordTransformFlags(
    program
      .command('import-har')
      .description("turn a WebSocket of a HAR file (DevTools 'Save all as HAR', Playwright recordHar) into a replay file")
      .argument('<file>', 'the .har file')
      .option('--url <pattern>', 'URL of the WebSocket (exact, query ignored; * matches anything); default: the first one')
      .requiredOption('--out <file>', 'replay file to write (JSON Lines)')
      .option('--connection <n>', 'which of the matching WebSockets, 1-based (default 1)', connectionNumber),
  ).action(async (file: string, flags: ImportHarFlags) => {
    const transform = recordTransformFromFlags(flags, 'import-har')
    const tty = progress.isTTY === true
    let drawn = false
    const entries = fromHar(file, {
      ...transform,
      ...(flags.url !== undefined ? { url: flags.url } : {}),
      ...(flags.connection !== undefined ? { connection: flags.connection } : {}),
      ...(tty
        ? {
            onProgress: (done: number, total: number) => {
              drawn = true
              progress.write(`\r\x1b[2Kimporting messages ${done}/${total}`)
            },
          }
        : {}),
    })
    if (drawn) progress.write('\n')
    await mkdir(dirname(flags.out), { recursive: true })
    await writeFile(flags.out, toJSONL(entries))
    io.out(`wrote ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} to ${flags.out}`)
  })
}
