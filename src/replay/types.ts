import type { StepOrigin } from '../server/types.js'
import type { JsonValue } from '../scenario/json-subset.js'
import type { CompiledTemplate } from '../template/compile.js'
import type { CompiledCapture } from './capture-path.js'

export type { StepOrigin }

/** Close instruction of an `out` entry. */
export interface ReplayClose {
  code?: number
  reason?: string
}

/**
 * One line of a replay file (JSON Lines, compatible with MockForge replay files).
 * @example
 * const entry: ReplayEntry = { ts: 0, dir: 'out', text: '{"type":"hello"}' }
 */
export interface ReplayEntry {
  /** ms offset from the start of the connection (>= 0, non-decreasing). */
  ts: number
  /** `out`: the server sends; `in`: the client is expected to send. */
  dir: 'in' | 'out'
  /** Message content; template tokens are expanded for `out` entries. */
  text?: string
  /** Base64 content of a binary frame, instead of `text`. */
  binary?: string
  /** Regex (JS syntax, no slashes): wait for a matching client message before this entry. */
  waitFor?: string
  /** On `out` entries: JSON the client message must contain (the JSON form of `waitFor`), waited for before this entry. */
  waitForJson?: JsonValue
  /** On `in` entries: regex the client message must match (instead of exact `text`). */
  match?: string
  /**
   * On `in` entries: JSON the client message must contain (instead of exact `text`): objects as
   * subsets at every depth, arrays by position and length, scalars exactly.
   */
  json?: JsonValue
  /** On `in` entries and waits: `{ NAME: "$.path" }`, values of the satisfying JSON message for `{{match.NAME}}`. */
  capture?: Record<string, string>
  /** How long this entry's wait may take (default: the `timeoutMs` option). */
  timeoutMs?: number
  /** On `out` entries: close the connection here. */
  close?: ReplayClose
}


/**
 * A validated, compiled replay entry: regexes compiled, templates parsed, base64 decoded.
 * The player is the only consumer.
 */
export interface PlayStep {
  /** 0-based index of the step in its replay. */
  index: number
  origin: StepOrigin
  ts: number
  dir: 'in' | 'out'
  text?: string
  /** Compiled template of `text` for `out` entries when templates are expanded. */
  template?: CompiledTemplate
  binary?: Uint8Array
  waitFor?: RegExp
  /** JSON a client message must contain before this `out` step plays. */
  waitForJson?: JsonValue
  match?: RegExp
  /** JSON the client message of this `in` step must contain. */
  json?: JsonValue
  /** Values taken from the satisfying JSON message into `{{match.NAME}}`. */
  capture?: readonly CompiledCapture[]
  /**
   * In-memory matcher of a step built by the scenario builder (a predicate function).
   * When present it decides the match; `match`/`text` remain the serializable form.
   */
  predicate?: (text: string) => boolean
  timeoutMs?: number
  close?: ReplayClose
  /** The entry as written, for serialization back to JSONL. */
  entry: ReplayEntry
}

/** A replay ready to play. */
export interface CompiledReplay {
  /** File name or `<inline>`. */
  source: string
  steps: readonly PlayStep[]
  /** True when some step uses `{{faker.*}}` tokens (faker must be loaded before playing). */
  usesFaker: boolean
}
