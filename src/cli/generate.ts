import { readFile, writeFile } from 'node:fs/promises'
import { InvalidArgumentError } from 'commander'
import type { Command } from 'commander'
import { AiEventGenerator } from '../ai/generator.js'
import type { JsonSchema } from '../ai/schema.js'
import { isPlainObject } from '../ai/schema.js'
import type { AiProvider } from '../ai/types.js'
import { MockWsError } from '../errors.js'
import { toJSONL } from '../replay/serialize.js'
import { processIo } from './io.js'
import type { CliIo } from './io.js'
import { numberFlag } from './record-flags.js'

/** Where the progress line goes: drawn only when `isTTY` is true. */
export interface ProgressOutput {
  readonly isTTY?: boolean
  write(text: string): unknown
}

const positiveInteger = numberFlag((n) => Number.isSafeInteger(n) && n >= 1, 'Expected a positive integer.')
const positiveNumber = numberFlag((n) => Number.isFinite(n) && n > 0, 'Expected a positive number.')
const finiteNumber = numberFlag((n, value) => value.trim() !== '' && Number.isFinite(n), 'Expected a number.')

interface GenerateOptions {
  narrative: string
  count: number
  out: string
  rate?: number
  provider: AiProvider
  model?: string
  baseUrl?: string
  seed?: number
  eventType?: string
  schema?: string
  batchSize?: number
}

/** Registers `mockforge-ws generate`: generates AI events and freezes them into a JSON Lines replay file. */
export function registerGenerate(program: Command, io: CliIo = processIo, progress: ProgressOutput = process.stderr): void {
  program
    .command('generate')
    .description('generate events from a narrative (OpenAI-compatible model or offline) into a replay file')
    .requiredOption('--narrative <text>', 'what the event stream should depict')
    .requiredOption('--count <n>', 'number of events', positiveInteger)
    .requiredOption('--out <file>', 'replay file to write (JSON Lines)')
    .option('--rate <n>', 'events per second: spaces the entries ts (default: all at ts 0)', positiveNumber)
    .option('--provider <name>', 'openai (any compatible --base-url) or offline (deterministic)', provider, 'openai')
    .option('--model <name>', 'model name')
    .option('--base-url <url>', 'OpenAI-compatible API base URL, e.g. http://127.0.0.1:8080/v1')
    .option('--seed <n>', 'seed (offline provider: same seed, same events)', finiteNumber)
    .option('--event-type <type>', 'the frames "type" field')
    .option('--schema <file>', "JSON schema file for each event's data")
    .option('--batch-size <n>', 'events per model request', positiveInteger)
    .addHelpText('after', '\nThe API key is read from OPENAI_API_KEY (never from the command line).')
    .action(async (opts: GenerateOptions) => {
      const schema = opts.schema === undefined ? undefined : await readSchema(opts.schema)
      const generator = new AiEventGenerator({
        narrative: opts.narrative,
        eventCount: opts.count,
        provider: opts.provider,
        ...(opts.eventType !== undefined && { eventType: opts.eventType }),
        ...(schema !== undefined && { schema }),
        ...(opts.model !== undefined && { model: opts.model }),
        ...(opts.baseUrl !== undefined && { baseURL: opts.baseUrl }),
        ...(opts.seed !== undefined && { seed: opts.seed }),
        ...(opts.rate !== undefined && { eventRate: opts.rate }),
        ...(opts.batchSize !== undefined && { batchSize: opts.batchSize }),
      })
      const bar = progressLine(progress, opts.count)
      let entries
      try {
        entries = await generator.toReplay({ onEvent: bar.update })
      } finally {
        bar.done()
      }
      await writeFile(opts.out, toJSONL(entries))
      io.out(`wrote ${entries.length} events to ${opts.out}`)
    })
}

function progressLine(output: ProgressOutput, total: number): { update: (count: number) => void; done: () => void } {
  if (output.isTTY !== true) return { update: () => undefined, done: () => undefined }
  let drawn = false
  return {
    update: (count) => {
      drawn = true
      output.write(`\r\x1b[2Kgenerating events ${count}/${total}`)
    },
    done: () => {
      if (drawn) output.write('\n')
    },
  }
}

async function readSchema(file: string): Promise<JsonSchema> {
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw new MockWsError(
      'WSM_CONFIG',
      `Failed to read schema ${file}: ${(error as Error).message}. Pass a JSON file holding a JSON schema object.`,
    )
  }
  if (!isPlainObject(parsed)) {
    throw new MockWsError('WSM_CONFIG', `Failed to read schema ${file}: it is not a JSON object. Pass a JSON schema object.`)
  }
  return parsed as JsonSchema
}

function provider(value: string): AiProvider {
  if (value !== 'openai' && value !== 'offline') throw new InvalidArgumentError('Expected openai or offline.')
  return value
}
