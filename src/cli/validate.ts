import type { Command } from 'commander'
import { checkReplayAgainst } from '../asyncapi/check-replay.js'
import { ContractValidator, loadAsyncApi, loadReplay, MockWsError, ReplayParseError } from '../index.js'
import type { CliIo } from './io.js'

interface ValidateFlags {
  expand: boolean
  asyncapi?: string
  channel?: string
  server?: string
}

/** Checks each file's frames against an AsyncAPI document (the parser, an optional peer, is loaded only then). */
async function contractCheck(flags: ValidateFlags): Promise<((file: string, replay: Awaited<ReturnType<typeof loadReplay>>) => string[]) | undefined> {
  if (flags.asyncapi === undefined) return undefined
  const contract = await loadAsyncApi(flags.asyncapi, {
    ...(flags.channel !== undefined ? { channel: flags.channel } : {}),
    ...(flags.server !== undefined ? { server: flags.server } : {}),
  })
  const validator = await ContractValidator.create(contract)
  return (_file, replay) => checkReplayAgainst(replay, validator).map((i) => `${i.file}:${i.line}: ${i.message}`)
}

/** Validates replay files; returns the number of files with problems. */
export async function validateFiles(files: readonly string[], opts: ValidateFlags, io: CliIo): Promise<number> {
  let bad = 0
  const against = await contractCheck(opts)
  for (const file of files) {
    try {
      const replay = await loadReplay(file, { expandTemplates: opts.expand })
      const problems = against?.(file, replay) ?? []
      if (problems.length > 0) {
        bad++
        for (const line of problems) io.err(line)
        continue
      }
      io.out(`ok ${file}: ${replay.steps.length} entr${replay.steps.length === 1 ? 'y' : 'ies'}${against ? ` fit ${opts.asyncapi}` : ''}`)
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
    .description('check replay files (and, with --asyncapi, every frame against an AsyncAPI document); print file:line for every problem and exit 1 if any')
    .argument('<files...>', 'replay files or recordings (JSON Lines)')
    .option('--no-expand', 'do not check template tokens')
    .option('--asyncapi <spec>', 'also check each frame against this AsyncAPI 2.x/3.x document')
    .option('--channel <name>', 'with --asyncapi: the channel id (needed when the document has several)')
    .option('--server <name>', 'with --asyncapi: the server whose pathname prefixes the channel address')
    .action(async (files: string[], opts: ValidateFlags) => {
      const bad = await validateFiles(files, opts, io)
      if (bad > 0) {
        io.err(`${bad} of ${files.length} file${files.length === 1 ? '' : 's'} invalid`)
        process.exitCode = 1
      }
    })
}
