import {
  AI_DEFAULT_BATCH_SIZE,
  AI_DEFAULT_EVENT_TYPE,
  AI_DEFAULT_HTTP_RETRIES,
  AI_DEFAULT_MODEL,
  AI_DEFAULT_OFFLINE_SEED,
  AI_DEFAULT_REQUEST_TIMEOUT_MS,
  AI_DEFAULT_TEMPERATURE,
  AI_MAX_BATCH_SIZE,
} from './defaults.js'
import { AiGenerationError } from '../errors.js'
import { isPlainObject } from './schema.js'
import { checkSchema } from './schema-check.js'
import type { JsonSchema } from './schema.js'
import type { AiProvider, AiReplayMode, ReplayAugmentationConfig, WebSocketAiConfig } from './types.js'

/**
 * A validated config with every default filled in; holds no API key.
 * @example
 * new AiEventGenerator({ narrative: 'Chat', provider: 'offline' }).config.batchSize // 20
 */
export interface ResolvedAiConfig {
  narrative: string
  eventCount: number
  eventType: string
  schema: JsonSchema | undefined
  mode: AiReplayMode
  provider: AiProvider
  model: string
  baseURL: string | undefined
  temperature: number
  seed: number | undefined
  batchSize: number
  eventRate: number | undefined
  maxRetries: number
  timeoutMs: number
  now: () => number
}

const DEFAULT_EVENT_COUNT = 10
/** Every field a generator config may have; anything else is a typo to report, not to ignore. */
const CONFIG_FIELDS: ReadonlySet<string> = new Set([
  'narrative', 'eventCount', 'eventType', 'schema', 'mode', 'provider', 'model', 'baseURL', 'apiKey',
  'temperature', 'seed', 'batchSize', 'eventRate', 'maxRetries', 'timeoutMs', 'now',
] satisfies (keyof ReplayAugmentationConfig)[])
const AI_CONFIG_FIELDS: ReadonlySet<string> = new Set(['enabled', 'replay', 'maxEvents', 'eventRate'] satisfies (keyof WebSocketAiConfig)[])

function unknownFields(input: Record<string, unknown>, known: ReadonlySet<string>, what: string): string[] {
  return Object.keys(input)
    .filter((key) => !known.has(key))
    .map((key) => `unknown ${what} field ${JSON.stringify(key)} (known: ${[...known].join(', ')})`)
}
const MODES: readonly AiReplayMode[] = ['generated', 'augmented', 'static']
const PROVIDERS: readonly AiProvider[] = ['openai', 'offline']
const MAX_TEMPERATURE = 2

const CONFIG_HINT = 'Fix the settings named above'
const NO_KEY_HINT =
  "Set OPENAI_API_KEY or pass apiKey, point baseURL at an OpenAI-compatible server (e.g. llama.cpp or vLLM), or use provider: 'offline' for deterministic local events"

/** Checks a generator config, collecting every problem, and fills in defaults; the key is returned apart. */
export function resolveAiConfig(
  input: ReplayAugmentationConfig,
  env: NodeJS.ProcessEnv = process.env,
): { config: ResolvedAiConfig; apiKey: string | undefined } {
  const problems: string[] = []
  const hints = new Set<string>()
  if (!isPlainObject(input)) {
    throw new AiGenerationError('config', `the config must be an object, got ${String(input)}`, CONFIG_HINT)
  }
  problems.push(...unknownFields(input, CONFIG_FIELDS, 'config'))
  const mode = input.mode ?? 'generated'
  const provider = input.provider ?? 'openai'
  if (!MODES.includes(mode)) problems.push(`mode must be one of ${MODES.join(', ')} (got ${JSON.stringify(mode)})`)
  if (!PROVIDERS.includes(provider)) {
    problems.push(`provider must be one of ${PROVIDERS.join(', ')} (got ${JSON.stringify(provider)})`)
  }
  if (typeof input.narrative !== 'string' || input.narrative.trim() === '') {
    if (mode !== 'static') problems.push('narrative must be a non-empty string')
  }
  const eventCount = input.eventCount ?? DEFAULT_EVENT_COUNT
  if (!Number.isSafeInteger(eventCount) || eventCount < 1) {
    problems.push(`eventCount must be a positive integer (got ${String(input.eventCount)})`)
  }
  const eventType = input.eventType ?? AI_DEFAULT_EVENT_TYPE
  if (typeof eventType !== 'string' || eventType === '') problems.push('eventType must be a non-empty string')
  if (input.schema !== undefined) problems.push(...checkSchema(input.schema))
  const model = input.model ?? AI_DEFAULT_MODEL
  if (typeof model !== 'string' || model === '') problems.push('model must be a non-empty string')
  const temperature = input.temperature ?? AI_DEFAULT_TEMPERATURE
  if (typeof temperature !== 'number' || !(temperature >= 0 && temperature <= MAX_TEMPERATURE)) {
    problems.push(`temperature must be a number from 0 to ${MAX_TEMPERATURE} (got ${String(input.temperature)})`)
  }
  if (input.seed !== undefined && !Number.isFinite(input.seed)) {
    problems.push(`seed must be a finite number (got ${String(input.seed)})`)
  }
  const batchSize = input.batchSize ?? AI_DEFAULT_BATCH_SIZE
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > AI_MAX_BATCH_SIZE) {
    problems.push(`batchSize must be an integer from 1 to ${AI_MAX_BATCH_SIZE} (got ${String(input.batchSize)})`)
  }
  if (input.eventRate !== undefined && !(Number.isFinite(input.eventRate) && input.eventRate > 0)) {
    problems.push(`eventRate must be a positive number of events per second (got ${String(input.eventRate)})`)
  }
  const maxRetries = input.maxRetries ?? AI_DEFAULT_HTTP_RETRIES
  if (!Number.isSafeInteger(maxRetries) || maxRetries < 0) {
    problems.push(`maxRetries must be a non-negative integer (got ${String(input.maxRetries)})`)
  }
  const timeoutMs = input.timeoutMs ?? AI_DEFAULT_REQUEST_TIMEOUT_MS
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    problems.push(`timeoutMs must be a positive number (got ${String(input.timeoutMs)})`)
  }
  if (input.now !== undefined && typeof input.now !== 'function') problems.push('now must be a function')
  const baseURL = input.baseURL ?? (provider === 'openai' ? nonEmpty(env.OPENAI_BASE_URL) : undefined)
  if (baseURL !== undefined && !URL.canParse(baseURL)) {
    problems.push(`baseURL must be an absolute URL such as http://127.0.0.1:8080/v1 (got ${JSON.stringify(baseURL)})`)
  }
  const apiKey = nonEmpty(input.apiKey) ?? nonEmpty(env.OPENAI_API_KEY)
  if (provider === 'openai' && mode !== 'static' && apiKey === undefined && baseURL === undefined) {
    problems.push("no API key for provider 'openai'")
    hints.add(NO_KEY_HINT)
  }
  if (problems.length > 0) {
    if (problems.length > hints.size) hints.add(CONFIG_HINT)
    throw new AiGenerationError('config', problems.join('; '), [...hints].join('. '))
  }
  return {
    apiKey,
    config: {
      narrative: typeof input.narrative === 'string' ? input.narrative.trim() : '',
      eventCount,
      eventType,
      schema: input.schema,
      mode,
      provider,
      model,
      baseURL,
      temperature,
      seed: input.seed ?? (provider === 'offline' || mode === 'static' ? AI_DEFAULT_OFFLINE_SEED : undefined),
      batchSize,
      eventRate: input.eventRate,
      maxRetries,
      timeoutMs,
      now: input.now ?? Date.now,
    },
  }
}

/**
 * Checks the AI settings of a mock up front (before any server starts); throws one error listing every problem.
 * @example
 * validateAiConfig({ enabled: true, replay: { narrative: 'Chat', provider: 'offline' }, maxEvents: 5 })
 */
export function validateAiConfig(config: WebSocketAiConfig, env: NodeJS.ProcessEnv = process.env): void {
  if (!isPlainObject(config)) {
    throw new AiGenerationError('config', `the AI config must be an object, got ${String(config)}`, CONFIG_HINT)
  }
  const problems: string[] = unknownFields(config, AI_CONFIG_FIELDS, 'AI config')
  if (typeof config.enabled !== 'boolean') problems.push('enabled must be true or false')
  if (config.maxEvents !== undefined && !(Number.isSafeInteger(config.maxEvents) && config.maxEvents >= 0)) {
    problems.push(`maxEvents must be a non-negative integer (got ${String(config.maxEvents)})`)
  }
  if (config.eventRate !== undefined && !(Number.isFinite(config.eventRate) && config.eventRate > 0)) {
    problems.push(`eventRate must be a positive number of events per second (got ${String(config.eventRate)})`)
  }
  if (config.enabled === true && config.replay === undefined) problems.push('replay is required when enabled is true')
  if (problems.length > 0) throw new AiGenerationError('config', problems.join('; '), CONFIG_HINT)
  if (config.enabled && config.replay) resolveAiConfig(config.replay, env)
}

function nonEmpty(value: string | undefined): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined
}
