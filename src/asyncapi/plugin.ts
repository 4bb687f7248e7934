import { AsyncApiError, MockWsError, ReplayParseError } from '../errors.js'
import { compileEntries } from '../replay/parse.js'
import type { CompiledReplay } from '../replay/types.js'
import type { BehaviourPlugin, PluginHost } from '../session/plugin.js'
import type { ScriptPart } from '../session/script.js'
import type { EngineObserver } from '../server/observer.js'
import type { ScenarioFailure, TranscriptFrame } from '../server/types.js'
import { examplesToReplay, sentExamples } from './examples.js'
import { loadAsyncApi } from './load.js'
import { ContractValidator, formatMismatch } from './schema.js'
import type { AsyncApiContract, AsyncApiOptions, AsyncApiSource, AsyncApiValidateMode } from './types.js'

const VALIDATE_MODES: readonly AsyncApiValidateMode[] = ['fail', 'warn', 'off']
const OPTION_KEYS = new Set(['channel', 'server', 'path', 'validate'])

/** The three pieces `mockWs().asyncApi()` installs: the plugin (path, failures), the script part (examples) and the observer (checks). */
export interface AsyncApiPieces {
  plugin: BehaviourPlugin
  part: ScriptPart
  observer: EngineObserver
}

function checkOptions(spec: AsyncApiSource, opts: AsyncApiOptions): void {
  const problems: string[] = []
  if (!(typeof spec === 'string' || spec instanceof URL || (typeof spec === 'object' && spec !== null && !Array.isArray(spec)))) {
    problems.push(`the document must be a file path, a file: URL or an object, got ${spec === null ? 'null' : Array.isArray(spec) ? 'an array' : typeof spec}`)
  } else if (spec === '') problems.push('the document path is an empty string')
  if (typeof opts !== 'object' || opts === null) problems.push('options must be an object')
  else {
    for (const key of Object.keys(opts)) if (!OPTION_KEYS.has(key)) problems.push(`unknown option ${JSON.stringify(key)} (known: ${[...OPTION_KEYS].join(', ')})`)
    for (const key of ['channel', 'server', 'path'] as const) {
      if (opts[key] !== undefined && typeof opts[key] !== 'string') problems.push(`${key} must be a string`)
    }
    if (opts.path !== undefined && typeof opts.path === 'string' && opts.path !== '*' && !opts.path.startsWith('/')) problems.push(`path "${opts.path}" must start with "/"`)
    if (opts.validate !== undefined && !VALIDATE_MODES.includes(opts.validate)) problems.push(`validate must be one of ${VALIDATE_MODES.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(opts.validate)}`)
  }
  if (problems.length > 0) throw new MockWsError('WSM_CONFIG', `Failed to configure asyncApi(): ${problems.join('; ')}.`)
}

/**
 * The behaviour behind `mockWs().asyncApi(spec, options)`: listens at the channel's address, sends the
 * examples of the messages the application sends, and checks every frame both ways against the payload
 * schemas. The options are checked now; the document is read when the mock starts (before it listens).
 * @example
 * const { plugin, part, observer } = asyncApiPlugin('asyncapi.yaml', { channel: 'market' })
 */
export function asyncApiPlugin(spec: AsyncApiSource, opts: AsyncApiOptions = {}): AsyncApiPieces {
  checkOptions(spec, opts)
  const mode = opts.validate ?? 'fail'
  let loading: Promise<{ contract: AsyncApiContract; validator: ContractValidator | undefined }> | undefined
  const load = (): NonNullable<typeof loading> => {
    loading ??= loadAsyncApi(spec, opts).then(async (contract) => ({
      contract,
      validator: mode === 'off' ? undefined : await ContractValidator.create(contract),
    }))
    return loading
  }
  let host: PluginHost | undefined
  let loaded: Awaited<ReturnType<typeof load>> | undefined
  const warned = new Set<string>()

  const report = (failure: ScenarioFailure): void => {
    if (mode === 'warn') {
      const key = `${failure.message}`
      if (warned.has(key)) return
      warned.add(key)
      process.emitWarning(`mockforge-ws: ${failure.message}`, { code: 'WSM_ASYNCAPI_SCHEMA' })
      return
    }
    host?.addFailure(failure)
  }

  const check = (frame: TranscriptFrame): void => {
    const validator = loaded?.validator
    if (!validator || frame.text === undefined) return
    const dir = frame.dir === 'in' ? 'receives' : 'sends'
    const verdict = validator.check(dir, frame.text)
    if (verdict.ok) return
    const { contract } = validator
    const mismatch = verdict.mismatch
    const example = frame.dir === 'out' ? validator.exampleOf(frame.text) : undefined
    if (example) mismatch.example = example.location
    const best = mismatch.candidates[0]
    const bestMessage = best ? [...contract.sends, ...contract.receives].find((m) => m.location === best.location) : undefined
    const who =
      frame.dir === 'in'
        ? `Client message fits no message the application receives on channel ${JSON.stringify(contract.channel)}`
        : example
          ? `The mock sent the example ${example.location}${example.line ? ` (${contract.source}:${example.line})` : ''}, which fits no message the application sends on channel ${JSON.stringify(contract.channel)}`
          : `Server message fits no message the application sends on channel ${JSON.stringify(contract.channel)}`
    report({
      kind: 'schema-mismatch',
      connection: frame.connection,
      step: 0,
      ...(example
        ? { origin: { file: contract.source, line: example.line ?? 1, description: example.location } }
        : bestMessage
          ? { origin: { file: contract.source, line: bestMessage.line ?? 1, description: bestMessage.location } }
          : {}),
      expected: `a message the application ${dir} on channel ${JSON.stringify(contract.channel)}: ${mismatch.candidates.map((c) => c.name).join(' | ') || '(none)'}`,
      actual: `${frame.text} (${formatMismatch(mismatch)})`,
      ts: frame.ts,
      message: `${who}: ${formatMismatch(mismatch)}`,
      schema: mismatch,
    })
  }

  const observer: EngineObserver = {
    transcriptFrame(frame) {
      try {
        check(frame)
      } catch {
        // An observer must never throw into the engine; a validator bug must not break the mock.
      }
    },
  }

  const part: ScriptPart = {
    kind: 'load',
    load: async ({ expandTemplates, faker }): Promise<CompiledReplay> => {
      const { contract } = await load()
      const examples = sentExamples(contract)
      let compiled: CompiledReplay
      try {
        compiled = compileEntries(examplesToReplay(contract), { file: contract.source, expandTemplates, ...(faker ? { faker } : {}) })
      } catch (error) {
        if (!(error instanceof ReplayParseError)) throw error
        // Issues count entries; name the examples in the document instead.
        const diagnostics = error.issues.map((issue) => {
          const example = examples[issue.line - 1]
          return { file: contract.source, ...(example?.line ? { line: example.line } : {}), message: `${example?.location ?? 'example'}: ${issue.message}` }
        })
        throw new AsyncApiError(`Failed to use the examples of ${contract.source}: ${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'} found.`, diagnostics, { cause: error })
      }
      return {
        ...compiled,
        steps: compiled.steps.map((step, i) => {
          const example = examples[i]
          return example ? { ...step, origin: { file: contract.source, line: example.line ?? 1, description: example.location } } : step
        }),
      }
    },
  }

  const plugin: BehaviourPlugin = {
    async prepare(options) {
      loaded = await load()
      return {
        path: opts.path ?? loaded.contract.path,
        // Client messages are judged by the schemas, so the end of the examples does not make them unexpected.
        ...(options.unexpected === undefined ? { unexpected: 'ignore' as const } : {}),
      }
    },
    attach(mock) {
      host = mock
    },
  }
  return { plugin, part, observer }
}
