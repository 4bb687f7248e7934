import { isPlainObject } from './schema.js'

const TYPES = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'])
const COUNTS = ['minItems', 'maxItems', 'minLength', 'maxLength'] as const
const BOUNDS = ['minimum', 'maximum'] as const

/**
 * Checks that a `schema` is itself well-formed for the keywords the generator validates with, listing every problem
 * as `schema.path: problem` (an empty list when it is fine).
 */
export function checkSchema(schema: unknown, path = 'schema'): string[] {
  const problems: string[] = []
  visit(schema, path, problems)
  return problems
}

function visit(schema: unknown, path: string, problems: string[]): void {
  if (!isPlainObject(schema)) {
    problems.push(`${path} must be a JSON schema object (got ${JSON.stringify(schema) ?? String(schema)})`)
    return
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type]
    const bad = types.filter((t) => typeof t !== 'string' || !TYPES.has(t))
    if (bad.length > 0 || types.length === 0) {
      problems.push(`${path}.type must be one of ${[...TYPES].join(', ')} (or an array of them), got ${JSON.stringify(schema.type)}`)
    }
  }
  if (schema.properties !== undefined) {
    if (!isPlainObject(schema.properties)) problems.push(`${path}.properties must be an object of schemas`)
    else for (const [name, sub] of Object.entries(schema.properties)) visit(sub, `${path}.properties.${name}`, problems)
  }
  if (schema.required !== undefined && !(Array.isArray(schema.required) && schema.required.every((r) => typeof r === 'string'))) {
    problems.push(`${path}.required must be an array of property names, got ${JSON.stringify(schema.required)}`)
  }
  if (schema.additionalProperties !== undefined && typeof schema.additionalProperties !== 'boolean') {
    visit(schema.additionalProperties, `${path}.additionalProperties`, problems)
  }
  if (schema.items !== undefined) visit(schema.items, `${path}.items`, problems)
  if (schema.enum !== undefined && !(Array.isArray(schema.enum) && schema.enum.length > 0)) {
    problems.push(`${path}.enum must be a non-empty array, got ${JSON.stringify(schema.enum)}`)
  }
  for (const keyword of COUNTS) {
    const value = schema[keyword]
    if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= 0)) {
      problems.push(`${path}.${keyword} must be a non-negative integer, got ${JSON.stringify(value)}`)
    }
  }
  for (const keyword of BOUNDS) {
    const value = schema[keyword]
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value))) {
      problems.push(`${path}.${keyword} must be a finite number, got ${JSON.stringify(value)}`)
    }
  }
  for (const [low, high] of [['minimum', 'maximum'], ['minItems', 'maxItems'], ['minLength', 'maxLength']] as const) {
    const a = schema[low]
    const b = schema[high]
    if (typeof a === 'number' && typeof b === 'number' && a > b) problems.push(`${path}.${low} (${a}) is above ${path}.${high} (${b})`)
  }
}
