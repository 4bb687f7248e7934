import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Command } from 'commander'
import { examplesToReplay } from '../asyncapi/examples.js'
import { loadAsyncApi } from '../asyncapi/load.js'
import { toJSONL } from '../replay/serialize.js'
import type { CliIo } from './io.js'

interface AsyncApiFlags {
  channel?: string
  server?: string
  out: string
}

/** Writes a replay file from the examples of the messages one channel's application sends. */
export async function writeAsyncApiReplay(spec: string, flags: AsyncApiFlags, io: CliIo): Promise<void> {
  const contract = await loadAsyncApi(spec, {
    ...(flags.channel !== undefined ? { channel: flags.channel } : {}),
    ...(flags.server !== undefined ? { server: flags.server } : {}),
  })
  const entries = examplesToReplay(contract)
  await mkdir(dirname(flags.out), { recursive: true })
  await writeFile(flags.out, toJSONL(entries))
  io.out(`wrote ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} to ${flags.out} (AsyncAPI ${contract.version}, channel ${JSON.stringify(contract.channel)}, path ${contract.path})`)
  if (entries.length === 0) io.err(`warning: channel ${JSON.stringify(contract.channel)} has no examples of messages the application sends`)
}

/** Registers `mockforge-ws asyncapi SPEC --channel NAME --out FILE.jsonl`. */
export function registerAsyncApi(program: Command, io: CliIo): void {
  program
    .command('asyncapi')
    .description('write a replay file from the examples of an AsyncAPI document (messages the application sends, in document order)')
    .argument('<spec>', 'AsyncAPI 2.x or 3.x document (YAML or JSON)')
    .option('--channel <name>', 'channel id (needed when the document has several)')
    .option('--server <name>', 'server whose pathname prefixes the channel address')
    .requiredOption('--out <file>', 'replay file to write (JSON Lines)')
    .action(async (spec: string, flags: AsyncApiFlags) => {
      await writeAsyncApiReplay(spec, flags, io)
    })
}
