import { formatFailureReport } from './server/failure-report.js'
import type { ScenarioFailure, TranscriptFrame } from './server/types.js'
import { truncateCloseReason } from './session/close-codes.js'

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

/**
 * What went wrong while generating AI events.
 * @example
 * if (error.kind === 'schema') console.log('the model ignored the schema')
 */
export type AiErrorKind =
  | 'config'
  | 'missing-dependency'
  | 'http'
  | 'connection'
  | 'invalid-json'
  | 'schema'
  | 'refusal'

/**
 * Thrown when AI event generation fails; `code` is always `'WSM_AI'` and the message never contains the API key.
 * @example
 * await gen.streamEvents(socket).catch((e) => e instanceof AiGenerationError && e.kind === 'http' && e.status)
 */
export class AiGenerationError extends MockWsError {
  readonly kind: AiErrorKind
  /** HTTP status of the failing model request, for `kind: 'http'`. */
  readonly status?: number
  constructor(kind: AiErrorKind, cause: string, hint: string, status?: number) {
    // Provider messages often end with a period of their own.
    super('WSM_AI', `Failed to generate events: ${cause.replace(/\.+$/, '')}. ${hint}`)
    this.name = 'AiGenerationError'
    this.kind = kind
    if (status !== undefined) this.status = status
  }
}

/** Why an upstream could not be used. */
export type UpstreamFailureKind = 'refused' | 'dns' | 'rejected' | 'timeout' | 'dropped' | 'error'

/**
 * An upstream connection that failed; `closeReason` is what the client reads in its 1014 close frame.
 * @example
 * engine.on('error', (e) => { if (e instanceof ProxyError) console.log(e.kind, e.closeReason) })
 */
export class ProxyError extends MockWsError {
  readonly kind: UpstreamFailureKind
  /** The close reason sent to the client (at most 123 bytes). */
  readonly closeReason: string
  constructor(kind: UpstreamFailureKind, closeReason: string, upstream: string, options?: { cause?: unknown }) {
    super('WSM_PROXY', `Failed to proxy to ${upstream}: ${closeReason}. ${PROXY_HINTS[kind]}`, options)
    this.name = 'ProxyError'
    this.kind = kind
    this.closeReason = truncateCloseReason(closeReason)
  }
}

const PROXY_HINTS: Record<UpstreamFailureKind, string> = {
  refused: 'Check that the upstream server is running on that port.',
  dns: 'Check the host name of the upstream URL.',
  rejected: 'Check the upstream path, query and the headers the proxy forwards.',
  timeout: 'The upstream accepted the connection but never answered; raise connectTimeoutMs if it is just slow.',
  dropped: 'The upstream went away without a close frame.',
  error: 'See the cause for details.',
}

/**
 * Thrown after a failed test's own error (from an after-each hook or fixture teardown) so that the runner's
 * failure output carries the last frames of the test's mocks; it never fails a passing test. Internal: a
 * carrier for the runner integrations, not exported from the package and not a `MockWsError`.
 */
export class MockWsLastFrames extends Error {
  constructor(report: string) {
    super(report)
    this.name = 'MockWsLastFrames'
    // The frames are the point; a stack of the after-each hook would only bury them (and runners that print
    // message and stack would print them twice).
    this.stack = undefined
  }
}
