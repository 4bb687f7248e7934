import { formatFailureReport } from './server/failure-report.js'
import type { ScenarioFailure, TranscriptFrame } from './server/types.js'

/** Stable codes carried by every error this library throws. */
export type MockWsErrorCode =
  | 'WSM_REPLAY_PARSE'
  | 'WSM_TEMPLATE'
  | 'WSM_SCENARIO'
  | 'WSM_STRICT_FAILURES'
  | 'WSM_TIMEOUT'
  | 'WSM_SERVER_START'
  | 'WSM_CLOSED'
  | 'WSM_PROXY'
  | 'WSM_AI'
  | 'WSM_CONFIG'
  | 'WSM_GRAPHQL'
  | 'WSM_ASYNCAPI'

/**
 * Base class of every error thrown by mockforge-ws; `code` is stable across versions.
 * @example
 * try { await mockWs().replay('bad.jsonl') } catch (e) { if (e instanceof MockWsError) console.log(e.code) }
 */
export class MockWsError extends Error {
  readonly code: MockWsErrorCode
  constructor(code: MockWsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'MockWsError'
    this.code = code
  }
}

/** One problem found in a replay file or entry list. */
export interface ReplayIssue {
  /** File name, or `<inline>` for text and entry arrays. */
  file: string
  /** 1-based line number. */
  line: number
  /** 1-based column number. */
  column: number
  message: string
}

/**
 * Thrown when a replay file or entry list is invalid; lists every problem as `file:line:column: message`.
 * @example
 * try { parseReplay('{"ts":-1}', { file: 'a.jsonl' }) } catch (e) { (e as ReplayParseError).issues }
 */
export class ReplayParseError extends MockWsError {
  readonly issues: readonly ReplayIssue[]
  constructor(issues: readonly ReplayIssue[]) {
    const first = issues[0]
    const where = first ? first.file : 'replay'
    const lines = issues.map((i) => `  ${i.file}:${i.line}:${i.column}: ${i.message}`)
    super(
      'WSM_REPLAY_PARSE',
      `Failed to load replay ${where}: ${issues.length} problem${issues.length === 1 ? '' : 's'} found.\n${lines.join('\n')}`,
    )
    this.name = 'ReplayParseError'
    this.issues = issues
  }
}

/**
 * Thrown when a template has an unknown or malformed token; `index` is the 0-based offset in the text.
 * @example
 * try { expandTokens('{{nope}}') } catch (e) { (e as TemplateError).index === 0 }
 */
export class TemplateError extends MockWsError {
  readonly index: number
  readonly token: string
  constructor(message: string, token: string, index: number) {
    super('WSM_TEMPLATE', message)
    this.name = 'TemplateError'
    this.token = token
    this.index = index
  }
}

/**
 * Thrown when a wait (`nextMessage`, `nextConnection`, a matcher) runs out of time.
 * @example
 * await ws.nextMessage({ timeout: 100 }).catch((e) => e instanceof MockWsTimeoutError)
 */
export class MockWsTimeoutError extends MockWsError {
  constructor(message: string) {
    super('WSM_TIMEOUT', message)
    this.name = 'MockWsTimeoutError'
  }
}

/** One problem the AsyncAPI parser (or the channel lookup) found in a document. */
export interface AsyncApiDiagnostic {
  /** File name, or `<inline>` for a document passed as an object. */
  file: string
  /** 1-based line, when the parser gives one. */
  line?: number
  /** 1-based column, when the parser gives one. */
  column?: number
  message: string
  /** The parser's rule code (`asyncapi-is-asyncapi`, `parser`, `invalid-ref`, …). */
  code?: string
}

/**
 * Thrown when an AsyncAPI document cannot be used (bad YAML, not AsyncAPI, unsupported version, unknown
 * channel or server); lists every problem as `file:line:column: message`.
 * @example
 * try { await mockWs().asyncApi('api.yaml') } catch (e) { if (e instanceof AsyncApiError) console.log(e.diagnostics) }
 */
export class AsyncApiError extends MockWsError {
  readonly diagnostics: readonly AsyncApiDiagnostic[]
  constructor(message: string, diagnostics: readonly AsyncApiDiagnostic[] = [], options?: { cause?: unknown }) {
    const lines = diagnostics.map((d) => `  ${formatDiagnosticPlace(d)}: ${d.message}${d.code ? ` [${d.code}]` : ''}`)
    super('WSM_ASYNCAPI', lines.length > 0 ? `${message}\n${lines.join('\n')}` : message, options)
    this.name = 'AsyncApiError'
    this.diagnostics = diagnostics
  }
}

function formatDiagnosticPlace(d: AsyncApiDiagnostic): string {
  if (d.line === undefined) return d.file
  return d.column === undefined ? `${d.file}:${d.line}` : `${d.file}:${d.line}:${d.column}`
}

/**
 * Thrown by `close()` of a strict mock that saw scenario failures (`mockWs()`, routers, MSW and the kits);
 * the message is a readable report.
 * @example
 * await ws.close().catch((e) => console.log(e instanceof ScenarioFailureError, e.message))
 */
export class ScenarioFailureError extends MockWsError {
  readonly failures: readonly ScenarioFailure[]
  constructor(failures: readonly ScenarioFailure[], transcript: readonly TranscriptFrame[], dropped = 0) {
    super('WSM_STRICT_FAILURES', formatFailureReport(failures, transcript, { dropped }))
    this.name = 'ScenarioFailureError'
    this.failures = failures
  }
}
