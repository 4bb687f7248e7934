import { previewJson } from '../session/describe.js'

/**
 * JSON type names understood by the schema subset.
 * @example
 * const t: JsonSchemaType = 'integer'
 */
export type JsonSchemaType = 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null'

/**
 * The JSON Schema subset used to describe (and validate) an event's `data`; other keywords are passed
 * to the model but not checked.
 * @example
 * const schema: JsonSchema = { type: 'object', properties: { price: { type: 'number', minimum: 0 } }, required: ['price'] }
 */
export interface JsonSchema {
  type?: JsonSchemaType | JsonSchemaType[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  /** `false` rejects unknown properties; a schema validates them. */
  additionalProperties?: boolean | JsonSchema
  enum?: unknown[]
  const?: unknown
  items?: JsonSchema
  minItems?: number
  maxItems?: number
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  /** `date-time`, `date`, `uuid`, `email` and `uri` shape offline values; not validated. */
  format?: string
  description?: string
  default?: unknown
  examples?: unknown[]
  [keyword: string]: unknown
}

/**
 * One way a value breaks a schema.
 * @example
 * const issue: SchemaIssue = { path: '$.price', message: 'expected number >= 0, got -5' }
 */
export interface SchemaIssue {
  /** Where, as `$.a.b[2]`. */
  path: string
  message: string
}

const MAX_SHOWN = 60

/**
 * Validates a value against the schema subset (type, properties, required, additionalProperties, enum,
 * const, items, minItems/maxItems, minimum/maximum, minLength/maxLength) and lists every issue.
 * @example
 * validateSchema({ price: -5 }, { type: 'object', properties: { price: { type: 'number', minimum: 0 } } })
 * // [{ path: '$.price', message: 'expected number >= 0, got -5' }]
 */
export function validateSchema(value: unknown, schema: JsonSchema, path = '$'): SchemaIssue[] {
  const issues: SchemaIssue[] = []
  check(value, schema, path, issues)
  return issues
}

function check(value: unknown, schema: JsonSchema, path: string, issues: SchemaIssue[]): void {
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type]
    if (!types.some((t) => hasType(value, t))) {
      issues.push({ path, message: `expected ${types.join(' or ')}, got ${describe(value)}` })
      return
    }
  }
  if ('const' in schema && !deepEqual(value, schema.const)) {
    issues.push({ path, message: `expected ${show(schema.const)}, got ${show(value)}` })
  }
  if (schema.enum && !schema.enum.some((option) => deepEqual(value, option))) {
    issues.push({ path, message: `expected one of ${schema.enum.map(show).join(', ')}, got ${show(value)}` })
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) {
      issues.push({ path, message: `expected number >= ${schema.minimum}, got ${value}` })
    }
    if (schema.maximum !== undefined && value > schema.maximum) {
      issues.push({ path, message: `expected number <= ${schema.maximum}, got ${value}` })
    }
  }
  if (typeof value === 'string') {
    const length = [...value].length
    if (schema.minLength !== undefined && length < schema.minLength) {
      issues.push({ path, message: `expected at least ${schema.minLength} characters, got ${length}` })
    }
    if (schema.maxLength !== undefined && length > schema.maxLength) {
      issues.push({ path, message: `expected at most ${schema.maxLength} characters, got ${length}` })
    }
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      issues.push({ path, message: `expected at least ${schema.minItems} items, got ${value.length}` })
    }
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      issues.push({ path, message: `expected at most ${schema.maxItems} items, got ${value.length}` })
    }
    if (schema.items) {
      const items = schema.items
      value.forEach((item, i) => check(item, items, `${path}[${i}]`, issues))
    }
  }
  if (isPlainObject(value)) {
    for (const name of schema.required ?? []) {
      if (!(name in value)) issues.push({ path, message: `missing required property "${name}"` })
    }
    const properties = schema.properties ?? {}
    for (const [name, item] of Object.entries(value)) {
      const childPath = `${path}${/^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`}`
      const propertySchema = Object.hasOwn(properties, name) ? properties[name] : undefined
      if (propertySchema) check(item, propertySchema, childPath, issues)
      else if (schema.additionalProperties === false) {
        issues.push({ path: childPath, message: 'unexpected property (additionalProperties is false)' })
      } else if (isPlainObject(schema.additionalProperties)) {
        check(item, schema.additionalProperties, childPath, issues)
      }
    }
  }
}

const TYPE_TESTS: Record<JsonSchemaType, (value: unknown) => boolean> = {
  object: (value) => isPlainObject(value),
  array: (value) => Array.isArray(value),
  string: (value) => typeof value === 'string',
  number: (value) => typeof value === 'number' && Number.isFinite(value),
  integer: (value) => Number.isInteger(value),
  boolean: (value) => typeof value === 'boolean',
  null: (value) => value === null,
}

function hasType(value: unknown, type: JsonSchemaType): boolean {
  return Object.hasOwn(TYPE_TESTS, type) && TYPE_TESTS[type](value)
}

/** Tells whether a value is a plain JSON object (not an array or null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]))
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a)
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]))
  }
  return false
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value)
  return `${Array.isArray(value) ? 'array' : typeof value} ${show(value)}`
}

function show(value: unknown): string {
  if (value === undefined) return 'undefined'
  let text: string
  try {
    text = JSON.stringify(value)
  } catch {
    // A model's event nested too deep for JSON.stringify: a bounded preview instead of a RangeError.
    text = previewJson(value, MAX_SHOWN + 1)
  }
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text
}
