import { describe, expect, test } from 'vitest'
import { validateSchema } from '../../src/ai/schema.js'
import type { JsonSchema } from '../../src/ai/schema.js'

const trade: JsonSchema = {
  type: 'object',
  required: ['symbol', 'price', 'side'],
  additionalProperties: false,
  properties: {
    symbol: { type: 'string', minLength: 3, maxLength: 5 },
    price: { type: 'number', minimum: 0, maximum: 1000 },
    side: { enum: ['buy', 'sell'] },
    lots: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, maxItems: 3 },
    venue: { type: ['string', 'null'] },
  },
}

describe('validateSchema', () => {
  test('accepts a conforming value', () => {
    expect(validateSchema({ symbol: 'ACME', price: 12.5, side: 'buy', lots: [1, 2], venue: null }, trade)).toEqual([])
  })

  test('reports every issue with its path', () => {
    const issues = validateSchema(
      { symbol: 'AC', price: -5, side: 'hold', lots: [0, 1.5, 2, 3], extra: true },
      trade,
      '$.data',
    )
    expect(issues).toMatchInlineSnapshot(`
      [
        {
          "message": "expected at least 3 characters, got 2",
          "path": "$.data.symbol",
        },
        {
          "message": "expected number >= 0, got -5",
          "path": "$.data.price",
        },
        {
          "message": "expected one of "buy", "sell", got "hold"",
          "path": "$.data.side",
        },
        {
          "message": "expected at most 3 items, got 4",
          "path": "$.data.lots",
        },
        {
          "message": "expected number >= 1, got 0",
          "path": "$.data.lots[0]",
        },
        {
          "message": "expected integer, got number 1.5",
          "path": "$.data.lots[1]",
        },
        {
          "message": "unexpected property (additionalProperties is false)",
          "path": "$.data.extra",
        },
      ]
    `)
  })

  test('reports missing required properties and wrong types', () => {
    expect(validateSchema({ price: '1' }, trade)).toEqual([
      { path: '$', message: 'missing required property "symbol"' },
      { path: '$', message: 'missing required property "side"' },
      { path: '$.price', message: 'expected number, got string "1"' },
    ])
    expect(validateSchema([1], trade)).toEqual([{ path: '$', message: 'expected object, got array [1]' }])
    expect(validateSchema(null, { type: 'integer', maximum: 3 })).toEqual([{ path: '$', message: 'expected integer, got null' }])
    expect(validateSchema(4, { type: 'integer', maximum: 3 })).toEqual([{ path: '$', message: 'expected number <= 3, got 4' }])
  })

  test('checks const, nested objects and odd property names', () => {
    const schema: JsonSchema = {
      properties: { 'a-b': { type: 'object', properties: { v: { const: { x: 1 } } } } },
    }
    expect(validateSchema({ 'a-b': { v: { x: 1 } } }, schema)).toEqual([])
    expect(validateSchema({ 'a-b': { v: { x: 2 } } }, schema)).toEqual([
      { path: '$["a-b"].v', message: 'expected {"x":1}, got {"x":2}' },
    ])
  })
})
