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
 * Loads a replay from a file path, a `file:` URL (both Node only), JSON Lines text or an entry array, validated and compiled.
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
    const { file, bytes } = await readReplayFile(source)
    const text = decodeReplayText(bytes, file)
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

type NodeFs = typeof import('node:fs/promises')
type NodeUrl = typeof import('node:url')

/**
 * Imports a Node module when a file is read, never at load time: the specifier is not a literal, so bundlers
 * (esbuild, Vite, webpack) leave it out of a browser bundle, which then has no `node:*` import to shim.
 */
function importNode<T>(specifier: string): Promise<T> {
  return import(/* webpackIgnore: true */ /* @vite-ignore */ specifier) as Promise<T>
}

async function readReplayFile(source: string | URL): Promise<{ file: string; bytes: Uint8Array }> {
  const named = typeof source === 'string' ? source : source.href
  let fs: NodeFs
  let url: NodeUrl
  try {
    ;[fs, url] = await Promise.all([importNode<NodeFs>('node:fs/promises'), importNode<NodeUrl>('node:url')])
  } catch (error) {
    throw new MockWsError(
      'WSM_CONFIG',
      `Failed to load replay ${named}: reading files needs Node (${errorMessage(error)}). Pass replay entries, JSON Lines text or a Scenario instead of a file.`,
      { cause: error },
    )
  }
  const file = typeof source === 'string' ? source : url.fileURLToPath(source)
  try {
    // Bytes, not 'utf8': Node's decoder would turn invalid bytes into U+FFFD without a word.
    return { file, bytes: await fs.readFile(file) }
  } catch (error) {
    throw new MockWsError(
      'WSM_CONFIG',
      `Failed to read replay file ${file}: ${errorMessage(error)}. Check the path; relative paths resolve against ${globalThis.process?.cwd()}.`,
      { cause: error },
    )
  }
}
