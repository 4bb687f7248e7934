import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { MockWsError } from '../errors.js'
import type { FakerLike } from '../template/context.js'
import { loadFaker } from '../template/faker.js'
import { decodeReplayText } from './decode.js'
import { compileEntries, INLINE_SOURCE, parseReplay } from './parse.js'
import type { ParseReplayOptions } from './parse.js'
import type { CompiledReplay, ReplayEntry } from './types.js'
import { errorMessage } from '../session/to-error.js'

/** Options of `loadReplay`. */
export interface LoadReplayOptions {
  /** Parse `out` texts as templates and reject bad tokens (default `true`). */
  expandTemplates?: boolean
  /** Seed of the faker loaded for `{{faker.*}}` tokens when no `faker` is given. */
  seed?: number
  /** Faker used to check `{{faker.PATH}}` tokens; loaded on demand when the replay uses them. */
  faker?: FakerLike
}

/**
 * Loads a replay from a file path, a `file:` URL, JSON Lines text or an entry array, validated and compiled.
 * @example
 * const replay = await loadReplay('test/fixtures/chat.jsonl', { seed: 42 })
 * const inline = await loadReplay('{"ts":0,"dir":"out","text":"hi"}')
 */
export async function loadReplay(source: string | readonly ReplayEntry[] | URL, opts: LoadReplayOptions = {}): Promise<CompiledReplay> {
  let compile: (parseOpts: ParseReplayOptions) => CompiledReplay
  if (source === '') {
    throw new MockWsError('WSM_CONFIG', 'Failed to load replay: the source is an empty string. Pass a file path, JSON Lines text or an array of entries.')
  }
  if (Array.isArray(source)) {
    const entries = source as readonly ReplayEntry[]
    compile = (parseOpts) => compileEntries(entries, parseOpts)
  } else if (typeof source === 'string' && isInlineJsonl(source)) {
    compile = (parseOpts) => parseReplay(source, { ...parseOpts, file: INLINE_SOURCE })
  } else if (typeof source === 'string' || source instanceof URL) {
    const file = typeof source === 'string' ? source : fileURLToPath(source)
    const text = decodeReplayText(await readReplayFile(file), file)
    compile = (parseOpts) => parseReplay(text, { ...parseOpts, file })
  } else {
    throw new MockWsError(
      'WSM_CONFIG',
      `Failed to load replay: expected a file path, a URL, JSON Lines text or an array of entries, got ${source === null ? 'null' : typeof source}.`,
    )
  }

  const expandTemplates = opts.expandTemplates ?? true
  const parseOpts: ParseReplayOptions = { expandTemplates, ...(opts.faker ? { faker: opts.faker } : {}) }
  const replay = compile(parseOpts)
  if (!replay.usesFaker || opts.faker || !expandTemplates) return replay
  // Faker paths can only be checked against a real faker, which is loaded only for replays that use it.
  const faker = await loadFaker(opts.seed)
  return compile({ ...parseOpts, faker })
}

/** True when a string is replay text rather than a path: it spans lines or starts with an object. */
function isInlineJsonl(source: string): boolean {
  return source.includes('\n') || source.trimStart().startsWith('{')
}

async function readReplayFile(file: string): Promise<Uint8Array> {
  try {
    // Bytes, not 'utf8': Node's decoder would turn invalid bytes into U+FFFD without a word.
    return await readFile(file)
  } catch (error) {
    const cause = errorMessage(error)
    throw new MockWsError(
      'WSM_CONFIG',
      `Failed to read replay file ${file}: ${cause}. Check the path; relative paths resolve against ${process.cwd()}.`,
      { cause: error },
    )
  }
}
