import { relative, resolve } from 'node:path'
import { MockWsError } from '../index.js'

/**
 * Library errors speak API (`strictPort`, `baseURL`, `provider: 'offline'`); on the command line the
 * same advice must name the flags. Each rule rewrites one API phrase of a known error into CLI terms.
 */
const AI_PHRASES: readonly (readonly [RegExp, string])[] = [
  [/Set OPENAI_API_KEY or pass apiKey, point baseURL at/g, 'Set OPENAI_API_KEY, pass --base-url with'],
  [/\(apiKey or OPENAI_API_KEY\)/g, '(OPENAI_API_KEY)'],
  [/provider: 'offline'/g, '--provider offline'],
  [/provider '(openai|offline)'/g, '--provider $1'],
  [/Check model and baseURL/g, 'Check --model and --base-url'],
  [/\bbaseURL\b/g, '--base-url'],
  [/\bbatchSize\b/g, '--batch-size'],
  [/\beventCount\b/g, '--count'],
  [/\beventRate\b/g, '--rate'],
]

/** Options of `mockWs()` that the CLI sets from a flag of the same name. */
const OPTION_FLAGS = ['port', 'host', 'path', 'seed'] as const

/** A `docs/NAME.md` reference in a library message (optionally with a `#section`). */
const DOCS_REFERENCE = /(?<![\w/.-])docs\/([\w.-]+\.md)(#[\w-]+)?/g

/**
 * Turns an error that reached the CLI into the line it prints: library advice rewritten in terms of
 * the CLI's flags, and `docs/…` references pointed at the installed package's `docs/` folder
 * (relative to the working directory, e.g. `node_modules/mockforge-ws/docs/ai-events.md`).
 * Errors that are not the library's are printed with their stack: they are bugs to report.
 */
export function cliErrorMessage(error: unknown, docsDir: string, cwd: string = process.cwd()): string {
  if (!(error instanceof MockWsError)) return error instanceof Error ? (error.stack ?? error.message) : String(error)
  return pointDocs(speakCli(error), docsDir, cwd)
}

/** The installed path of one docs page, as the CLI prints it (relative to `cwd` when below it). */
export function docsPath(page: string, docsDir: string, cwd: string = process.cwd()): string {
  const file = resolve(docsDir, page)
  const shown = relative(cwd, file)
  return shown.startsWith('..') ? file : shown
}

function speakCli(error: MockWsError): string {
  if (error.code === 'WSM_SERVER_START') {
    const cause = error.cause as (NodeJS.ErrnoException & { address?: string; port?: number }) | undefined
    if (cause?.code === 'EADDRINUSE') {
      const where = cause.address !== undefined && cause.port !== undefined ? `${cause.address}:${cause.port}` : 'the port'
      return `Failed to start the server on ${where}: the port is already in use. Pass --port 0 to take a free port, or another --port (or MOCKFORGE_WS_PORT). See docs/cli.md`
    }
    return error.message
  }
  if (error.code === 'WSM_AI') {
    let message = error.message
    for (const [phrase, flag] of AI_PHRASES) message = message.replace(phrase, flag)
    return /no API key|--base-url|--provider/.test(message) ? `${message.replace(/\.$/, '')}. See docs/ai-events.md` : message
  }
  if (error.code === 'WSM_CONFIG' && error.message.includes(' invalid option')) {
    const names = OPTION_FLAGS.join('|')
    return error.message.replace(new RegExp(`(: |; )(${names}) must`, 'g'), '$1--$2 must')
  }
  return error.message
}

function pointDocs(message: string, docsDir: string, cwd: string): string {
  return message.replace(DOCS_REFERENCE, (_all, page: string, section: string | undefined) => `${docsPath(page, docsDir, cwd)}${section ?? ''}`)
}
