import type { Command } from 'commander'
import { MockWsError, ReplayParseError } from '../errors.js'
import { loadReplay } from '../replay/load.js'
import type { CliIo } from './io.js'

/** Validates replay files; returns the number of files with problems. */
export async function validateFiles(files: readonly string[], opts: { expand: boolean }, io: CliIo): Promise<number> {
  let bad = 0
  for (const file of files) {
    try {
      const replay = await loadReplay(file, { expandTemplates: opts.expand })
      io.out(`ok ${file}: ${replay.steps.length} entr${replay.steps.length === 1 ? 'y' : 'ies'}`)
    } catch (error) {
      bad++
      if (error instanceof ReplayParseError) for (const i of error.issues) io.err(`${i.file}:${i.line}:${i.column}: ${i.message}`)
      else io.err(`${file}: ${error instanceof MockWsError ? error.message : String(error)}`)
    }
  }
  return bad
}

/** Registers `mockforge-ws validate FILE...`. */
export function registerValidate(program: Command, io: CliIo): void {
  program
    .command('validate')
    .description('check replay files; print file:line:column for every problem and exit 1 if any')
    .argument('<files...>', 'replay files (JSON Lines)')
    .option('--no-expand', 'do not check template tokens')
    .action(async (files: string[], opts: { expand: boolean }) => {
      const bad = await validateFiles(files, opts, io)
      if (bad > 0) {
        io.err(`${bad} of ${files.length} file${files.length === 1 ? '' : 's'} invalid`)
        process.exitCode = 1
      }
    })
}
