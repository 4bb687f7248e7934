import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { ParseError } from 'jsonc-parser'
import { MockWsError, ReplayParseError } from '../errors.js'
import { escapeRegExp } from '../scenario/json-subset.js'
import { fromBase64 } from '../session/bytes.js'
import { jsoncParser } from './json-syntax.js'
import { recordingToReplay, resolveRecordTransform, type RecordedFrame, type RecordTransformOptions, type VcrEntry } from './record-transform.js'

/** One WebSocket message of a HAR entry, as Chromium DevTools and Playwright write them. */
export interface HarWebSocketMessage {
  /** `send`: page → server; `receive`: server → page. */
  type: 'send' | 'receive'
  /** Wall-clock time: epoch seconds (Chromium DevTools) or epoch ms (Playwright); -1 when timing was omitted. */
  time: number
  /** 1 text, 2 binary (base64 `data`). */
  opcode: number
  data: string
}

/**
 * Options of `fromHar()`: which WebSocket of the HAR, and the record options.
 * @example
 * const opts: FromHarOptions = { url: /\/graphql$/, connection: 1, ignore: ['$.payload.ts'] }
 */
export interface FromHarOptions extends RecordTransformOptions {
  /** The WebSocket's URL: a RegExp, or a string (exact, ignoring the query; `*` matches any characters). Default: every WebSocket. */
  url?: string | RegExp
  /** 1-based index among the WebSockets that match `url` (default 1). */
  connection?: number
  /** Called while messages are converted (the CLI's progress line). */
  onProgress?: (done: number, total: number) => void
}

interface HarEntryLike {
  startedDateTime?: string
  request?: { url?: string }
  response?: { content?: { _file?: string } }
  _resourceType?: string
  _webSocketMessages?: HarWebSocketMessage[]
}

/** Bad messages named in one error; the rest are counted out. */
const MAX_REPORTED = 5
/** Messages converted between two progress reports. */
const PROGRESS_EVERY = 1000
/** Below this a message time is epoch seconds (DevTools), above it epoch ms (Playwright). */
const EPOCH_MS_THRESHOLD = 1e11

function parseHarText(text: string, file: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    // V8's message has no position on every Node version; jsonc-parser finds the offset.
    const errors: ParseError[] = []
    const jsonc = jsoncParser()
    jsonc?.parse(text, errors, { disallowComments: true, allowTrailingComma: false })
    const first = errors[0]
    const offset = first?.offset ?? 0
    const before = text.slice(0, offset)
    const line = before.split('\n').length
    const column = offset - before.lastIndexOf('\n')
    const why = first && jsonc ? jsonc.printParseErrorCode(first.error) : (error as Error).message
    throw new ReplayParseError([{ file, line, column, message: `not valid JSON (${why})` }])
  }
}

function urlMatcher(url: string | RegExp | undefined): (candidate: string) => boolean {
  if (url === undefined) return () => true
  if (url instanceof RegExp) return (c) => url.test(c)
  if (url.includes('*')) {
    const regex = new RegExp(`^${url.split('*').map(escapeRegExp).join('.*')}$`)
    return (c) => regex.test(c)
  }
  return (c) => c === url || c.split('?')[0] === url
}

function isWebSocketEntry(entry: HarEntryLike): boolean {
  return entry._resourceType === 'websocket' || Array.isArray(entry._webSocketMessages)
}

/** The entry's messages: embedded, or in the `.jsonl` file Playwright attaches when `content: 'attach'`. */
function messagesOf(entry: HarEntryLike, harDir: string | undefined, file: string): HarWebSocketMessage[] {
  if (Array.isArray(entry._webSocketMessages)) return entry._webSocketMessages
  const attached = entry.response?.content?._file
  if (attached === undefined) return []
  if (harDir === undefined) {
    throw new MockWsError('WSM_CONFIG', `Failed to import HAR ${file}: the messages of ${entry.request?.url ?? 'a WebSocket'} are in an attached file (${attached}). Pass the HAR's path, not its object, or record with content: 'embed'.`)
  }
  const lines = readFileSync(join(harDir, attached), 'utf8').split('\n')
  return lines.filter((l) => l.trim() !== '').map((l, i) => {
    try {
      return JSON.parse(l) as HarWebSocketMessage
    } catch (error) {
      throw new ReplayParseError([{ file: join(harDir, attached), line: i + 1, column: 1, message: `not valid JSON: ${(error as Error).message}` }])
    }
  })
}

function epochMs(time: number): number {
  return time < EPOCH_MS_THRESHOLD ? time * 1000 : time
}

/**
 * Replay entries from a WebSocket of a HAR file written by Chromium DevTools or Playwright (`recordHar`):
 * `send` messages become `in` entries, `receive` messages `out` entries, timed from the entry's start,
 * with the record options (`inbound`, `correlate`, `ignore`, `volatile`) applied as for recordings.
 * @example
 * const ws = await mockWs({ strict: true }).replay(fromHar('test/fixtures/app.har', { url: 'wss://api.example.com/live' }))
 */
export function fromHar(har: string | object, options: FromHarOptions = {}): VcrEntry[] {
  const { url, connection = 1, onProgress, ...recordOptions } = options
  const transform = resolveRecordTransform(recordOptions, 'fromHar()')
  if (!Number.isInteger(connection) || connection < 1) {
    throw new MockWsError('WSM_CONFIG', `Failed to configure fromHar(): connection must be a 1-based integer, got ${JSON.stringify(connection)}. Pass 1 for the first matching WebSocket.`)
  }
  const file = typeof har === 'string' ? har : '<HAR object>'
  let doc: unknown = har
  if (typeof har === 'string') {
    let text: string
    try {
      text = readFileSync(har, 'utf8')
    } catch (error) {
      throw new MockWsError('WSM_CONFIG', `Failed to import HAR ${har}: ${(error as Error).message}. Pass the path of a .har file.`, { cause: error })
    }
    doc = parseHarText(text, har)
  }
  const entries = (doc as { log?: { entries?: unknown } } | null)?.log?.entries
  if (!Array.isArray(entries)) {
    throw new MockWsError('WSM_CONFIG', `Failed to import HAR ${file}: it has no log.entries array. Pass a HAR 1.2 file (DevTools "Save all as HAR", Playwright recordHar).`)
  }
  const sockets = (entries as HarEntryLike[]).filter(isWebSocketEntry)
  const matches = urlMatcher(url)
  const chosen = sockets.filter((e) => matches(e.request?.url ?? ''))
  const entry = chosen[connection - 1]
  if (!entry) {
    const found = sockets.map((e) => e.request?.url ?? '?')
    const wanted = url === undefined ? 'any URL' : String(url)
    throw new MockWsError(
      'WSM_CONFIG',
      `Failed to import HAR ${file}: ${chosen.length === 0 ? `no WebSocket matches ${wanted}` : `only ${chosen.length} WebSocket(s) match ${wanted}, not ${connection}`}. WebSockets in the file: ${found.length === 0 ? 'none' : found.join(', ')}.`,
    )
  }
  const messages = messagesOf(entry, typeof har === 'string' ? dirname(har) : undefined, file)
  const started = entry.startedDateTime ? Date.parse(entry.startedDateTime) : Number.NaN
  const firstTimed = messages.find((m) => typeof m.time === 'number' && m.time >= 0)
  const origin = Number.isFinite(started) ? started : firstTimed ? epochMs(firstTimed.time) : 0
  const frames: RecordedFrame[] = []
  const bad: string[] = []
  for (const [i, m] of messages.entries()) {
    if (i % PROGRESS_EVERY === 0) onProgress?.(i, messages.length)
    if (m === null || typeof m !== 'object' || (m.type !== 'send' && m.type !== 'receive') || typeof m.data !== 'string') {
      if (bad.length < MAX_REPORTED) bad.push(`_webSocketMessages[${i}] is not {type: "send"|"receive", opcode, data: string}`)
      continue
    }
    if (m.opcode !== 1 && m.opcode !== 2) continue // close and control frames are not data
    // A frame can be stamped a little before the entry's start; the transform keeps times non-decreasing.
    const ts = typeof m.time === 'number' && m.time >= 0 ? Math.max(0, epochMs(m.time) - origin) : 0
    const dir = m.type === 'send' ? 'in' : 'out'
    if (m.opcode === 2) frames.push({ ts, dir, binary: new Uint8Array(fromBase64(m.data)) })
    else frames.push({ ts, dir, text: m.data })
  }
  onProgress?.(messages.length, messages.length)
  if (bad.length > 0) {
    throw new MockWsError('WSM_CONFIG', `Failed to import HAR ${file}: ${bad.join('; ')}. Export the HAR again from DevTools or Playwright; hand-edited messages need these fields.`)
  }
  return recordingToReplay(frames, transform, { recordedAt: Number.isFinite(origin) && origin > 0 ? origin : Date.now() })
}
