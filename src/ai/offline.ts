import type { Random } from '../template/random.js'
import type { ResolvedAiConfig } from './config.js'
import { AI_EPOCH_MS } from './defaults.js'
import type { JsonSchema, JsonSchemaType } from './schema.js'
import { isPlainObject } from './schema.js'

/** What the offline provider knows about the stream it is filling. */
interface OfflineContext {
  eventType: string
  narrative: string
  random: Random
  /** 0-based position of the event in the stream. */
  index: number
}

const DEFAULT_NUMBER_SPAN = 1000
const DEFAULT_MAX_ITEMS = 3
const SECONDS_BETWEEN_EVENTS = 1

const NAMES = ['Ada', 'Grace', 'Linus', 'Margaret', 'Alan', 'Barbara', 'Ken', 'Radia', 'Dennis', 'Frances']
const SYMBOLS = ['ACME', 'GLBX', 'INIT', 'NOVA', 'VNTR', 'ORBT', 'QNTM']
const STATUSES = ['pending', 'processing', 'shipped', 'delivered']
const SENTENCES = [
  'Hello everyone!',
  'Is the build green yet?',
  'Deploying in five minutes.',
  'Looks good to me.',
  'Can someone review my change?',
  'Lunch at noon?',
  'The dashboard is back up.',
]
const WORDS = ['alpha', 'bravo', 'delta', 'echo', 'kilo', 'lima', 'sierra', 'tango']

/**
 * Makes the `data` of event `index` (0-based): schema-shaped when the config has a schema, otherwise a plausible
 * object chosen from the narrative (market, chat, sensor, order or generic).
 */
export function offlineEvent(config: Pick<ResolvedAiConfig, 'schema' | 'eventType' | 'narrative'>, random: Random, index: number): unknown {
  const ctx: OfflineContext = { eventType: config.eventType, narrative: config.narrative, random, index }
  return config.schema ? valueFor(config.schema, ctx, undefined) : themedEvent(ctx)
}

/**
 * Makes the fixed example of a schema used by `mode: 'static'` (and as the base of `augmented`):
 * `const`, `default` or `examples[0]` where given, else the first enum option or a minimal value.
 */
export function staticExample(schema: JsonSchema, name?: string): unknown {
  if ('const' in schema) return schema.const
  if (schema.default !== undefined) return schema.default
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0]
  if (schema.enum && schema.enum.length > 0) return schema.enum[0]
  switch (typeOf(schema)) {
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const [key, child] of Object.entries(schema.properties ?? {})) out[key] = staticExample(child, key)
      return out
    }
    case 'array': {
      const count = Math.max(schema.minItems ?? 1, 1)
      const items = schema.items ?? { type: 'string' }
      return Array.from({ length: Math.min(count, schema.maxItems ?? count) }, () => staticExample(items, name))
    }
    case 'number':
    case 'integer': {
      const low = schema.minimum ?? Math.min(0, schema.maximum ?? 0)
      return typeOf(schema) === 'integer' ? Math.ceil(low) : low
    }
    case 'boolean':
      return false
    case 'null':
      return null
    default:
      return fitLength(formatted(schema.format, 0, () => 0) ?? name ?? 'text', schema, 'x')
  }
}

function valueFor(schema: JsonSchema, ctx: OfflineContext, name: string | undefined): unknown {
  if ('const' in schema) return schema.const
  if (schema.enum && schema.enum.length > 0) return schema.enum[ctx.random.int(0, schema.enum.length - 1)]
  switch (typeOf(schema)) {
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const [key, child] of Object.entries(schema.properties ?? {})) out[key] = valueFor(child, ctx, key)
      return out
    }
    case 'array': {
      const min = schema.minItems ?? 1
      const max = Math.max(min, schema.maxItems ?? Math.max(min, DEFAULT_MAX_ITEMS))
      const items = schema.items ?? { type: 'string' }
      return Array.from({ length: ctx.random.int(min, max) }, () => valueFor(items, ctx, singular(name)))
    }
    case 'integer': {
      const [low, high] = bounds(schema)
      const lo = Math.ceil(low)
      const hi = Math.floor(high)
      return lo > hi ? lo : ctx.random.int(lo, hi)
    }
    case 'number': {
      const [low, high] = bounds(schema)
      const raw = low + ctx.random.next() * (high - low)
      return Math.min(high, Math.max(low, Math.round(raw * 100) / 100))
    }
    case 'boolean':
      return ctx.random.next() < 0.5
    case 'null':
      return null
    default:
      return fitLength(stringFor(schema, ctx, name), schema, pick(ctx.random, WORDS))
  }
}

function typeOf(schema: JsonSchema): JsonSchemaType {
  const declared = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') ?? schema.type[0] : schema.type
  if (declared) return declared
  if (schema.properties || isPlainObject(schema.additionalProperties)) return 'object'
  if (schema.items) return 'array'
  if (schema.minimum !== undefined || schema.maximum !== undefined) return 'number'
  return 'string'
}

function bounds(schema: JsonSchema): [number, number] {
  const low = schema.minimum ?? (schema.maximum !== undefined ? schema.maximum - DEFAULT_NUMBER_SPAN : 0)
  const high = schema.maximum ?? low + DEFAULT_NUMBER_SPAN
  return low <= high ? [low, high] : [low, low]
}

function stringFor(schema: JsonSchema, ctx: OfflineContext, name: string | undefined): string {
  const shaped = formatted(schema.format, ctx.index, () => ctx.random.next(), ctx.random)
  if (shaped !== undefined) return shaped
  const key = (name ?? '').toLowerCase()
  const r = ctx.random
  if (name && /^id$|_id$|[a-z0-9]Id$/.test(name)) return `${key.replace(/_?id$/, '') || 'id'}_${hex(r, 8)}`
  if (/name|user|author|sender|player/.test(key)) return pick(r, NAMES)
  if (/symbol|ticker/.test(key)) return pick(r, SYMBOLS)
  if (/status|state/.test(key)) return pick(r, STATUSES)
  if (/text|message|body|content|comment/.test(key)) return pick(r, SENTENCES)
  const words = ctx.narrative.toLowerCase().match(/[a-z]{4,}/g) ?? WORDS
  return `${pick(r, words)}-${r.int(1, 999)}`
}

function formatted(format: string | undefined, index: number, next: () => number, random?: Random): string | undefined {
  switch (format) {
    case 'date-time':
      return new Date(AI_EPOCH_MS + index * SECONDS_BETWEEN_EVENTS * 1000).toISOString()
    case 'date':
      return new Date(AI_EPOCH_MS + index * 86_400_000).toISOString().slice(0, 10)
    case 'uuid':
      return random ? uuidFrom(random) : '00000000-0000-4000-8000-000000000000'
    case 'email':
      return `${random ? pick(random, NAMES).toLowerCase() : 'user'}@example.com`
    case 'uri':
    case 'url':
      return `https://example.com/${Math.floor(next() * 10_000)}`
    default:
      return undefined
  }
}

function fitLength(text: string, schema: JsonSchema, pad: string): string {
  let out = text
  const min = schema.minLength ?? 0
  while ([...out].length < min) out += ` ${pad}`
  if (schema.maxLength !== undefined) out = [...out].slice(0, schema.maxLength).join('')
  // Padding may leave fewer characters than minLength only when minLength > maxLength, which no value satisfies.
  return out
}

function themedEvent(ctx: OfflineContext): Record<string, unknown> {
  const r = ctx.random
  const text = `${ctx.narrative} ${ctx.eventType}`.toLowerCase()
  if (/stock|trade|market|price|crypto|ticker|exchange/.test(text)) {
    return {
      symbol: pick(r, SYMBOLS),
      side: r.next() < 0.5 ? 'buy' : 'sell',
      price: Math.round((50 + r.next() * 450) * 100) / 100,
      quantity: r.int(1, 500),
    }
  }
  if (/chat|message|conversation|room/.test(text)) {
    return { user: pick(r, NAMES), text: pick(r, SENTENCES), room: 'general' }
  }
  if (/sensor|iot|temperature|device|telemetry/.test(text)) {
    return {
      deviceId: `sensor-${r.int(1, 8)}`,
      temperature: Math.round((18 + r.next() * 10) * 10) / 10,
      humidity: r.int(30, 70),
    }
  }
  if (/order|shop|cart|checkout|delivery/.test(text)) {
    return {
      orderId: `ord_${hex(r, 8)}`,
      status: STATUSES[Math.min(ctx.index, STATUSES.length - 1)],
      amount: Math.round(r.next() * 50_000) / 100,
    }
  }
  return { id: `${ctx.eventType}-${ctx.index + 1}`, value: r.int(0, 100), label: pick(r, WORDS) }
}

function pick<T>(random: Random, options: readonly T[]): T {
  return options[random.int(0, options.length - 1)] as T
}

function hex(random: Random, length: number): string {
  return Buffer.from(random.bytes(Math.ceil(length / 2))).toString('hex').slice(0, length)
}

function uuidFrom(random: Random): string {
  const b = random.bytes(16)
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80
  const h = Buffer.from(b).toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

function singular(name: string | undefined): string | undefined {
  return name?.replace(/s$/, '')
}
