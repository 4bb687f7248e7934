import { ReplayParseError, type ReplayIssue } from '../errors.js'
import type { TimelineFailure, TimelineFrame, TimelineInput } from './timeline.js'
import { errorMessage } from '../session/to-error.js'
import { isPlainObject as isObject } from '../replay/entry-rules.js'

function num(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback
}

/**
 * Reads a replay file, a recording or a transcript written by the Playwright fixture (JSON Lines) into
 * a timeline. Lenient about fields it does not draw, strict about JSON: a bad line is a `ReplayParseError`
 * naming `file:line:column`. Lines without `connection` belong to connection 1 (a replay file is one connection).
 * @example
 * readTimelineJsonl(readFileSync('chat.jsonl', 'utf8'), 'chat.jsonl')
 */
export function readTimelineJsonl(text: string, file = '<inline>'): TimelineInput {
  const frames: TimelineFrame[] = []
  const failures: TimelineFailure[] = []
  const issues: ReplayIssue[] = []
  const lines = text.split(/\r?\n/)
  lines.forEach((line, index) => {
    if (line.trim() === '') return
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (error) {
      issues.push({ file, line: index + 1, column: 1, message: `not JSON: ${errorMessage(error)}` })
      return
    }
    if (!isObject(value)) {
      issues.push({ file, line: index + 1, column: 1, message: 'each line must be a JSON object' })
      return
    }
    const connection = num(value.connection, 1)
    const ts = num(value.ts, 0)
    if (typeof value.failure === 'string') {
      failures.push({ connection, ts, message: value.failure })
      return
    }
    const dir = value.dir === 'in' ? 'in' : 'out'
    const frame: TimelineFrame = { connection, ts, dir }
    if (isObject(value.close)) {
      frame.close = { code: num(value.close.code, 1000), reason: typeof value.close.reason === 'string' ? value.close.reason : '' }
    } else if (typeof value.binary === 'string') {
      frame.binary = value.binary
    } else if (dir === 'in' && typeof value.match === 'string') {
      frame.expects = `match /${value.match}/`
    } else if (dir === 'in' && value.json !== undefined) {
      frame.expects = `json ${JSON.stringify(value.json)}`
    } else if (typeof value.text === 'string') {
      frame.text = value.text
    } else if (dir === 'in') {
      frame.expects = 'any message'
    } else {
      frame.text = ''
    }
    const waitFor = typeof value.waitFor === 'string' ? `/${value.waitFor}/` : value.waitForJson !== undefined ? JSON.stringify(value.waitForJson) : undefined
    if (waitFor !== undefined) frame.waitFor = waitFor
    frames.push(frame)
  })
  if (issues.length > 0) throw new ReplayParseError(issues)
  return { title: file, frames, failures }
}
