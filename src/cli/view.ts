import { readFile, writeFile } from 'node:fs/promises'
import { basename } from 'node:path'
import type { Command } from 'commander'
import { MockWsError, ReplayParseError } from '../errors.js'
import { readTimelineJsonl } from '../view/read.js'
import { renderTimeline } from '../view/timeline.js'
import type { CliIo } from './io.js'
import { errorMessage } from '../session/to-error.js'

/** Renders a replay file or recording as a self-contained HTML timeline; resolves with the output path. */
export async function viewFile(file: string, out?: string): Promise<string> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new MockWsError('WSM_CONFIG', `Failed to read ${file}: ${(error as Error).message}.`, { cause: error })
  }
  const timeline = readTimelineJsonl(text, file)
  const target = out ?? `${file.replace(/\.jsonl?$/i, '')}.html`
  await writeFile(target, renderTimeline({ ...timeline, title: basename(file) }))
  return target
}

/** Registers `mockforge-ws view FILE.jsonl [--out FILE.html]`. */
export function registerView(program: Command, io: CliIo): void {
  program
    .command('view')
    .description('write a self-contained HTML timeline (no network requests) of a replay file or recording')
    .argument('<file>', 'replay file, recording or transcript (JSON Lines)')
    .option('--out <file>', 'HTML file to write (default: FILE with .html)')
    .action(async (file: string, opts: { out?: string }) => {
      try {
        const written = await viewFile(file, opts.out)
        io.out(`wrote ${written}`)
      } catch (error) {
        if (error instanceof ReplayParseError) for (const i of error.issues) io.err(`${i.file}:${i.line}:${i.column}: ${i.message}`)
        else io.err(errorMessage(error))
        process.exitCode = 1
      }
    })
}
