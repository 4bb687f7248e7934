import { readFile, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChannelInterface, MessageInterface, Parser, ServerInterface } from '@asyncapi/parser'
import { AsyncApiError, type AsyncApiDiagnostic } from '../errors.js'
import { appDirection, replyDirection, type AppDirection } from './direction.js'
import type { AsyncApiContract, AsyncApiOptions, AsyncApiSource, ContractExample, ContractMessage } from './types.js'
import { errorMessage } from '../session/to-error.js'
import { importPeer } from '../session/optional-peer.js'

/** Module specifier of the optional AsyncAPI parser peer dependency. */
export const ASYNCAPI_PARSER_MODULE = '@asyncapi/parser'

/** Source name of a document passed as an object. */
const INLINE = '<inline>'
/** Severity the parser gives to errors (warnings and hints are 1–3). */
const SEVERITY_ERROR = 0
/** Protocols whose servers are preferred for the path. */
const WS_PROTOCOLS = new Set(['ws', 'wss'])

type ParserModule = typeof import('@asyncapi/parser')
type RangeFinder = { getRangeForJsonPath(path: (string | number)[], closest?: boolean): { start: { line: number; character: number } } | undefined }

let parserPromise: Promise<Parser> | undefined

/** Parsed documents kept per process, so a suite that mocks the same file in every test parses it once. */
export const MAX_CACHED_DOCUMENTS = 32
type ParseResult = Awaited<ReturnType<Parser['parse']>>
const parsedFiles = new Map<string, Promise<ParseResult>>()

/**
 * Loads `@asyncapi/parser` on demand (once per process) and returns a parser instance.
 * @internal
 */
export function loadParser(specifier = ASYNCAPI_PARSER_MODULE): Promise<Parser> {
  if (specifier !== ASYNCAPI_PARSER_MODULE) return importParser(specifier)
  parserPromise ??= importParser(specifier).catch((error: unknown) => {
    parserPromise = undefined
    throw error
  })
  return parserPromise
}

async function importParser(specifier: string): Promise<Parser> {
  const mod = await importPeer<ParserModule & { default?: unknown }>(
    specifier,
    (cause) =>
      new AsyncApiError(`Failed to load ${ASYNCAPI_PARSER_MODULE}: it is not installed. Run npm i -D ${ASYNCAPI_PARSER_MODULE} (version 3) to use AsyncAPI documents.`, [], { cause }),
    (cause) => new AsyncApiError(`Failed to load ${ASYNCAPI_PARSER_MODULE}: ${errorMessage(cause)}. Check that version 3 is installed.`, [], { cause }),
  )
  const nested = mod.default as { Parser?: ParserModule['Parser'] } | undefined
  const ParserClass = mod.Parser ?? nested?.Parser
  if (typeof ParserClass !== 'function') {
    throw new AsyncApiError(`Failed to load ${ASYNCAPI_PARSER_MODULE}: it exports no Parser class. Install version 3 (npm i -D ${ASYNCAPI_PARSER_MODULE}@3).`)
  }
  // Only errors stop a document; the recommended rules give warnings and hints only, and skipping them
  // saves about a fifth of the parse time (measured interleaved, 1979 vs 2510 ms for examples/asyncapi-market.yaml).
  return new ParserClass({ ruleset: { recommended: false } })
}

async function readSource(spec: AsyncApiSource): Promise<{ source: string; input: string | Record<string, unknown>; key?: string }> {
  if (typeof spec === 'string' || spec instanceof URL) {
    const file = typeof spec === 'string' ? resolve(spec) : fileURLToPath(spec)
    try {
      const info = await stat(file)
      return { source: file, input: await readFile(file, 'utf8'), key: `${file}\0${info.mtimeMs}\0${info.size}` }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      const cause = code === 'ENOENT' ? 'no such file' : errorMessage(error)
      throw new AsyncApiError(`Failed to load AsyncAPI document ${file}: ${cause}. Pass the path of a YAML or JSON AsyncAPI document.`, [], { cause: error })
    }
  }
  if (typeof spec === 'object' && spec !== null && !Array.isArray(spec)) return { source: INLINE, input: structuredClone(spec) }
  throw new AsyncApiError(`Failed to load AsyncAPI document: expected a file path, a file: URL or an object, got ${spec === null ? 'null' : typeof spec}.`)
}

/**
 * Parses an AsyncAPI 2.x or 3.x document (YAML or JSON, `$ref`s resolved) and extracts what a mock of one
 * channel needs: where to listen, the messages the application sends (with their examples) and receives
 * (with their payload schemas). Throws `AsyncApiError` with the parser's diagnostics for a bad document.
 * @example
 * const contract = await loadAsyncApi('examples/asyncapi-market.yaml', { channel: 'market' })
 */
export async function loadAsyncApi(spec: AsyncApiSource, opts: Pick<AsyncApiOptions, 'channel' | 'server'> & { parserModule?: string } = {}): Promise<AsyncApiContract> {
  const parser = await loadParser(opts.parserModule)
  const { source, input, key } = await readSource(spec)
  const { document, diagnostics, extras } = await parseCached(parser, source, input, key)
  const errors = diagnostics.filter((d) => d.severity === SEVERITY_ERROR)
  if (!document || errors.length > 0) {
    const list: AsyncApiDiagnostic[] = errors
      .map((d) => ({
        file: source,
        ...(d.range ? { line: d.range.start.line + 1, column: d.range.start.character + 1 } : {}),
        message: d.path.length > 0 ? `${d.message} (at ${d.path.join('.')})` : d.message,
        code: String(d.code),
      }))
      .sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0))
    throw new AsyncApiError(`Failed to load AsyncAPI document ${source}: ${list.length} problem${list.length === 1 ? '' : 's'} found.`, list)
  }
  const version = document.version()
  const major = version.split('.')[0]
  if (major !== '2' && major !== '3') {
    throw new AsyncApiError(`Failed to load AsyncAPI document ${source}: version ${version} is not supported. Use an AsyncAPI 2.x or 3.x document.`)
  }
  const raw = (extras?.document as { data?: unknown } | undefined)?.data
  const ranges = extras?.document as unknown as RangeFinder | undefined
  const locate = locator(raw, ranges)

  const channel = pickChannel(document.channels().all(), opts.channel, source)
  const server = pickServer(channel, document.servers().all(), opts.server, source)
  const sends: ContractMessage[] = []
  const receives: ContractMessage[] = []
  const seen = { sends: new Set<string>(), receives: new Set<string>() }
  const add = (dir: AppDirection, message: MessageInterface): void => {
    const contractMessage = toContractMessage(message, locate)
    if (seen[dir].has(contractMessage.location)) return
    seen[dir].add(contractMessage.location)
    ;(dir === 'sends' ? sends : receives).push(contractMessage)
  }
  for (const op of document.operations().all()) {
    if (!op.channels().all().some((c) => c.id() === channel.id())) continue
    const dir = appDirection(version, op.action())
    // The parser already gives a 3.x operation without `messages` all of its channel's messages; `[]` means none.
    for (const message of op.messages().all()) add(dir, message)
    const reply = op.reply()
    if (reply) for (const message of reply.messages().all()) add(replyDirection(dir), message)
  }
  return {
    source,
    version,
    channel: channel.id(),
    ...(server ? { server: server.id() } : {}),
    path: listenPath(server, channel),
    sends,
    receives,
  }
}

function parseCached(parser: Parser, source: string, input: string | Record<string, unknown>, key: string | undefined): Promise<ParseResult> {
  const parse = (): Promise<ParseResult> => parser.parse(input as Parameters<Parser['parse']>[0], source === INLINE ? {} : { source })
  if (key === undefined) return parse()
  const hit = parsedFiles.get(key)
  if (hit) return hit
  const pending = parse()
  if (parsedFiles.size >= MAX_CACHED_DOCUMENTS) {
    const oldest = parsedFiles.keys().next()
    if (oldest.done !== true) parsedFiles.delete(oldest.value)
  }
  parsedFiles.set(key, pending)
  pending.catch(() => parsedFiles.delete(key))
  return pending
}

function pickChannel(channels: ChannelInterface[], wanted: string | undefined, source: string): ChannelInterface {
  const ids = channels.map((c) => JSON.stringify(c.id()))
  if (wanted !== undefined) {
    const found = channels.find((c) => c.id() === wanted) ?? channels.find((c) => c.address() === wanted)
    if (found) return found
    throw new AsyncApiError(
      `Failed to use AsyncAPI document ${source}: it has no channel ${JSON.stringify(wanted)}. ${ids.length > 0 ? `Known channels: ${ids.join(', ')}.` : 'It has no channels.'}`,
    )
  }
  const only = channels[0]
  if (channels.length === 1 && only) return only
  throw new AsyncApiError(
    channels.length === 0
      ? `Failed to use AsyncAPI document ${source}: it has no channels. Add one under "channels".`
      : `Failed to use AsyncAPI document ${source}: it has ${channels.length} channels (${ids.join(', ')}). Choose one with { channel } (CLI: --channel).`,
  )
}

function pickServer(channel: ChannelInterface, all: ServerInterface[], wanted: string | undefined, source: string): ServerInterface | undefined {
  if (wanted !== undefined) {
    const found = all.find((s) => s.id() === wanted)
    if (found) return found
    const names = all.map((s) => JSON.stringify(s.id()))
    throw new AsyncApiError(`Failed to use AsyncAPI document ${source}: it has no server ${JSON.stringify(wanted)}. ${names.length > 0 ? `Known servers: ${names.join(', ')}.` : 'It has no servers.'}`)
  }
  const candidates = channel.servers().all()
  return candidates.find((s) => WS_PROTOCOLS.has(s.protocol())) ?? candidates[0]
}

/** Server pathname (server variables filled with their defaults) joined to the channel address. */
function listenPath(server: ServerInterface | undefined, channel: ChannelInterface): string {
  let pathname = server?.pathname() ?? ''
  if (server) {
    pathname = pathname.replace(/\{([^{}/]+)\}/g, (whole, name: string) => server.variables().get(name)?.defaultValue() ?? whole)
  }
  const address = channel.address()
  if (address === null || address === undefined) return pathname === '' ? '*' : normalize(pathname)
  // An address may carry a scheme and host in 2.x documents (`ws://host/path`); only its path counts.
  const addressPath = address.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '')
  return normalize(`${pathname.replace(/\/+$/, '')}/${addressPath.replace(/^\/+/, '')}`)
}

function normalize(path: string): string {
  const withSlash = path.startsWith('/') ? path : `/${path}`
  const collapsed = withSlash.replace(/\/{2,}/g, '/')
  return collapsed.length > 1 ? collapsed.replace(/\/$/, '') : collapsed
}

interface Locator {
  /** Follows local `$ref`s from `pointer` in the raw document; returns the final path segments. */
  resolve(pointer: string): (string | number)[]
  line(path: (string | number)[]): number | undefined
}

function locator(raw: unknown, ranges: RangeFinder | undefined): Locator {
  const at = (path: (string | number)[]): unknown => {
    let node = raw
    for (const seg of path) {
      if (typeof node !== 'object' || node === null) return undefined
      node = (node as Record<string | number, unknown>)[seg]
    }
    return node
  }
  return {
    resolve(pointer) {
      let path = parsePointer(pointer)
      for (let hops = 0; hops < 32; hops++) {
        const node = at(path)
        const ref = typeof node === 'object' && node !== null ? (node as { $ref?: unknown }).$ref : undefined
        if (typeof ref !== 'string' || !ref.startsWith('#')) break
        path = parsePointer(ref.slice(1))
      }
      return path
    },
    line(path) {
      try {
        const range = ranges?.getRangeForJsonPath(path, true)
        return range ? range.start.line + 1 : undefined
      } catch {
        return undefined
      }
    },
  }
}

function parsePointer(pointer: string): (string | number)[] {
  if (pointer === '' || pointer === '/') return []
  return pointer
    .replace(/^\//, '')
    .split('/')
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((seg) => (/^(0|[1-9]\d*)$/.test(seg) ? Number(seg) : seg))
}

/**
 * A document path as people write it: `components.messages.trade.examples[0]`, `channels["/"].publish.message`.
 * @example
 * formatLocation(['components', 'messages', 'trade', 'examples', 0]) // 'components.messages.trade.examples[0]'
 */
export function formatLocation(path: readonly (string | number)[]): string {
  let out = ''
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`
    else out += `[${JSON.stringify(seg)}]`
  }
  return out
}

function toContractMessage(message: MessageInterface, locate: Locator): ContractMessage {
  const pointer = message.meta()?.pointer ?? ''
  const path = locate.resolve(pointer)
  const location = formatLocation(path)
  const json = message.json() as Record<string, unknown>
  const name = message.name() ?? (typeof json.messageId === 'string' ? json.messageId : undefined) ?? (json['x-parser-message-name'] as string | undefined) ?? message.id() ?? String(path.at(-1) ?? location)
  const format = message.schemaFormat()
  const checkable = format === undefined || /asyncapi|schema\+(json|yaml)/i.test(format)
  const payload = message.payload()
  const schema = payload ? cleanSchema(payload.json()) : undefined
  const examples: ContractExample[] = []
  const rawExamples = Array.isArray(json.examples) ? (json.examples as unknown[]) : []
  rawExamples.forEach((example, i) => {
    if (typeof example !== 'object' || example === null || !('payload' in example)) return
    const examplePath = [...path, 'examples', i, 'payload']
    examples.push(toExample((example as { payload: unknown }).payload, formatLocation([...path, 'examples', i]), locate.line(examplePath)))
  })
  const schemaExamples = schema && typeof schema === 'object' ? (schema as { examples?: unknown }).examples : undefined
  if (examples.length === 0 && Array.isArray(schemaExamples)) {
    // No message examples: the payload schema's own `examples` stand in (AsyncAPI allows either).
    schemaExamples.forEach((value: unknown, i) => {
      examples.push(toExample(value, formatLocation([...path, 'payload', 'examples', i]), locate.line([...path, 'payload', 'examples', i])))
    })
  }
  const line = locate.line(path)
  return { name, location, ...(line !== undefined ? { line } : {}), ...(schema !== undefined ? { schema } : {}), checkable, examples }
}

function toExample(value: unknown, location: string, line: number | undefined): ContractExample {
  return { location, ...(line !== undefined ? { line } : {}), value, text: typeof value === 'string' ? value : JSON.stringify(value) }
}

/**
 * A copy of a resolved schema without the parser's `x-parser-*` annotations; a recursive schema's cycle
 * becomes `{}` (anything fits there) so the copy is a tree a JSON Schema validator can compile.
 */
function cleanSchema(schema: unknown, stack: Set<object> = new Set()): unknown {
  if (typeof schema !== 'object' || schema === null) return schema
  if (stack.has(schema)) return {}
  stack.add(schema)
  let out: unknown
  if (Array.isArray(schema)) out = schema.map((item) => cleanSchema(item, stack))
  else {
    const copy: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(schema)) if (!k.startsWith('x-parser-')) copy[k] = cleanSchema(v, stack)
    out = copy
  }
  stack.delete(schema)
  return out
}
