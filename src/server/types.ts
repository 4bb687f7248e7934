/** A close frame seen in a transcript. */
export interface TranscriptClose {
  code: number
  reason: string
}

/**
 * One frame of a mock's traffic, either way.
 * @example
 * ws.transcript.filter((f) => f.dir === 'in').map((f) => f.text)
 */
export interface TranscriptFrame {
  /** Id of the connection (1-based, in order of arrival). */
  connection: number
  /** ms since that connection opened. */
  ts: number
  /** `in`: client → server; `out`: server → client. */
  dir: 'in' | 'out'
  text?: string
  binary?: Uint8Array
  close?: TranscriptClose
}

/** Kinds of scenario failure. */
export type FailureKind =
  | 'unexpected-message'
  | 'wait-timeout'
  | 'closed-with-steps-left'
  | 'send-failed'
  | 'schema-mismatch'

/**
 * Something a scenario expected that did not happen, recorded in `ws.failures`.
 * @example
 * expect(ws.failures).toEqual([])
 */
export interface ScenarioFailure {
  kind: FailureKind
  /** Connection id. */
  connection: number
  /** 1-based step number in the replay/scenario. */
  step: number
  /** Where the step came from (file:line or builder call). */
  origin?: StepOrigin
  /** What the step expected, human readable. */
  expected: string
  /** What arrived instead (message text, `(nothing)`, `close 1000`, …). */
  actual: string
  /** ms since the connection opened. */
  ts: number
  /** One-line summary. */
  message: string
  /** For `schema-mismatch` failures (AsyncAPI): what the frame was checked against and what was wrong. */
  schema?: SchemaMismatch
}

/**
 * Why a frame fits none of the messages an AsyncAPI document allows there (`kind: 'schema-mismatch'`).
 * @example
 * ws.failures.filter((f) => f.kind === 'schema-mismatch').map((f) => f.schema?.pointer)
 */
export interface SchemaMismatch {
  /** The messages the frame was checked against, closest fit first: name and place in the document. */
  candidates: { name: string; location: string }[]
  /** JSON pointer into the frame where the closest candidate failed (`''`: the whole frame). */
  pointer: string
  /** The schema error there, e.g. `must be equal to one of the allowed values ("buy", "sell")`. */
  error: string
  /** For the mock's own sends: where the example that was sent is in the document (`components.messages.X.examples[0]`). */
  example?: string
}

/** Where a step came from, for error and failure messages. */
export interface StepOrigin {
  /** File name or `<inline>`. */
  file: string
  /** 1-based line in the file (or 1-based index in an entry array). */
  line: number
  /** Human description, e.g. `expect({"type":"ack"})` for scenario steps. */
  description?: string
}
