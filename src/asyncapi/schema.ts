import type { ErrorObject, ValidateFunction } from 'ajv'
import { AsyncApiError } from '../errors.js'
import { escapeRegExp } from '../scenario/json-subset.js'
import type { SchemaMismatch } from '../server/types.js'
import type { AppDirection } from './direction.js'
import type { AsyncApiContract, ContractExample, ContractMessage } from './types.js'
import { errorMessage } from '../session/to-error.js'

/** Verdict on one frame: it fits a message, or why it fits none. */
export type FrameVerdict = { ok: true; message?: ContractMessage } | { ok: false; mismatch: SchemaMismatch }

interface Compiled {
  message: ContractMessage
  /** Undefined: the message has no payload schema or one that is not JSON Schema — anything fits. */
  validate: ValidateFunction | undefined
}

/** An example as a pattern of its rendered text: template tokens match anything. */
interface ExampleShape {
  example: ContractExample
  regex: RegExp
}

const TOKEN = /\{\{[^{}]*\}\}/g

/**
 * Checks frames against the payload schemas of a contract's messages (ajv with ajv-formats, both
 * loaded on first use so the core's import cost stays as it was).
 * @example
 * const validator = await ContractValidator.create(contract)
 * validator.check('receives', '{"type":"subscribe"}') // { ok: true, message }
 */
export class ContractValidator {
  readonly contract: AsyncApiContract
  #compiled: Record<AppDirection, Compiled[]>
  #shapes: ExampleShape[]

  private constructor(contract: AsyncApiContract, compiled: Record<AppDirection, Compiled[]>) {
    this.contract = contract
    this.#compiled = compiled
    this.#shapes = contract.sends.flatMap((m) => m.examples.map((example) => ({ example, regex: shapeOf(example.text) })))
  }

  /** Compiles every payload schema of the contract; a schema ajv cannot compile is an `AsyncApiError` naming its message. */
  static async create(contract: AsyncApiContract): Promise<ContractValidator> {
    const [ajvModule, formatsModule] = await Promise.all([import('ajv'), import('ajv-formats')])
    // Both are CommonJS with `exports.default`; through import() (and esbuild's CJS interop) that is `.default.default`.
    const Ajv = ajvModule.default.default
    const addFormats = formatsModule.default.default
    // allErrors: the candidate with the fewest errors is the closest fit, which needs them all.
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true })
    addFormats(ajv)
    const compile = (message: ContractMessage): Compiled => {
      if (!message.checkable || message.schema === undefined) return { message, validate: undefined }
      try {
        return { message, validate: ajv.compile(message.schema as object) }
      } catch (error) {
        throw new AsyncApiError(
          `Failed to compile the payload schema of ${message.location} in ${contract.source}${message.line ? `:${message.line}` : ''}: ${errorMessage(error)}. Fix the schema or pass validate: 'off'.`,
          [],
          { cause: error },
        )
      }
    }
    return new ContractValidator(contract, { sends: contract.sends.map(compile), receives: contract.receives.map(compile) })
  }

  /**
   * Checks one text frame against the messages going `dir` (`receives`: client frames, `sends`: the mock's).
   * `partial`: the frame is a JSON subset (a replay `json` entry, volatile values left out), so missing
   * required properties are not held against it.
   */
  check(dir: AppDirection, text: string, opts: { partial?: boolean } = {}): FrameVerdict {
    const candidates = this.#compiled[dir]
    if (candidates.length === 0) {
      return {
        ok: false,
        mismatch: {
          candidates: [],
          pointer: '',
          error: `the document has no message the application ${dir === 'receives' ? 'receives' : 'sends'} on channel ${JSON.stringify(this.contract.channel)}`,
        },
      }
    }
    const values = frameValues(text)
    const failures: { message: ContractMessage; errors: readonly ErrorObject[] }[] = []
    for (const candidate of candidates) {
      if (!candidate.validate) return { ok: true, message: candidate.message }
      // The errors shown are those of the first reading (the JSON value when the text is JSON); the
      // text-as-a-string reading only ever makes a frame fit a `type: string` payload.
      let shown: readonly ErrorObject[] | undefined
      for (const value of values) {
        if (candidate.validate(value)) return { ok: true, message: candidate.message }
        const errors = (candidate.validate.errors ?? []).filter((e) => !opts.partial || e.keyword !== 'required')
        if (errors.length === 0) return { ok: true, message: candidate.message }
        shown ??= errors
      }
      failures.push({ message: candidate.message, errors: shown ?? [] })
    }
    // Closest fit first: fewest errors, then the one that got deepest into the frame; its deepest error is shown.
    const depth = (e: ErrorObject): number => (e.instancePath === '' ? 0 : e.instancePath.split('/').length)
    const deepest = (errors: readonly ErrorObject[]): ErrorObject | undefined => errors.reduce<ErrorObject | undefined>((a, e) => (a === undefined || depth(e) > depth(a) ? e : a), undefined)
    const ranked = failures
      .map((f, i) => ({ ...f, i, shown: deepest(f.errors) }))
      .sort((a, b) => a.errors.length - b.errors.length || (b.shown ? depth(b.shown) : 0) - (a.shown ? depth(a.shown) : 0) || a.i - b.i)
    const best = ranked[0]
    return {
      ok: false,
      mismatch: {
        candidates: ranked.map((f) => ({ name: f.message.name, location: f.message.location })),
        pointer: best?.shown?.instancePath ?? '',
        error: best?.shown ? describeError(best.shown) : 'does not fit',
      },
    }
  }

  /** The example of a message the application sends that `text` was rendered from, if any. */
  exampleOf(text: string): ContractExample | undefined {
    return this.#shapes.find((s) => s.regex.test(text))?.example
  }
}

/** The values a text frame may stand for: its JSON value when it is JSON, and the text itself as a string. */
function frameValues(text: string): unknown[] {
  try {
    const parsed: unknown = JSON.parse(text)
    return [parsed, text]
  } catch {
    return [text]
  }
}

function shapeOf(text: string): RegExp {
  return new RegExp(`^${text.split(TOKEN).map(escapeRegExp).join('[\\s\\S]*?')}$`)
}

/** An ajv error as one readable phrase, with the allowed values or the offending property. */
export function describeError(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>
  const message = error.message ?? error.keyword
  switch (error.keyword) {
    case 'enum':
      return `${message} (${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')})`
    case 'const':
      return `${message} (${JSON.stringify(params.allowedValue)})`
    case 'additionalProperties':
      return `${message} (${JSON.stringify(params.additionalProperty)})`
    default:
      return message
  }
}

/** The one-line summary of a mismatch: each candidate's name, then the pointer and the error. */
export function formatMismatch(mismatch: SchemaMismatch): string {
  const names = mismatch.candidates.map((c) => `${c.name} (${c.location})`).join(', ')
  const at = mismatch.pointer === '' ? 'the message' : mismatch.pointer
  return `${names ? `checked against ${names}; closest: ` : ''}at ${at}: ${mismatch.error}`
}
