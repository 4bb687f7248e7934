import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MockWsError } from '../../src/errors.js'
import type { JsonSubset, JsonValue } from '../../src/scenario/json-subset.js'
import { escapeRegExp, jsonSubsetPattern, jsonSubsetProblem, matchesJsonSubset } from '../../src/scenario/json-subset.js'
import { matchesMessage } from '../../src/scenario/matcher.js'
import { cpuMsSince } from '../support/cpu-time.js'

function regexMatches(subset: JsonSubset, text: string, flags = ''): boolean {
  return new RegExp(jsonSubsetPattern(subset), flags).test(text)
}

// Any code point, plus lone surrogates (which JSON.stringify writes as \udxxx escapes).
const anyChar = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom('"', '\\', '/', '{', '}', ',', ':', '[', ']', '\n', ' ', '\u2028') },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
)
const text = fc.array(anyChar, { maxLength: 8 }).map((chars) => chars.join(''))
const key = fc.oneof(fc.constantFrom('type', 'id', 'a', 'b', 'Type'), text)
const scalar: fc.Arbitrary<JsonValue> = fc.oneof(
  text,
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  // Values that differ from each other only by type: 1 vs "1", true vs "true", null vs "null".
  fc.constantFrom<JsonValue>(1, '1', 0, '0', true, 'true', null, 'null'),
)
const flatValue: fc.Arbitrary<JsonValue> = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.array(fc.array(scalar, { maxLength: 2 }), { maxLength: 2 }) },
)
const flatObject = fc.dictionary(key, flatValue, { maxKeys: 4 })

/** Serializes like a client might: any key order, compact or indented. */
function serialize(value: JsonValue, order: number, indent: number | string | undefined): string {
  return JSON.stringify(reorder(value, order), null, indent)
}

function reorder(value: JsonValue, order: number): JsonValue {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((v: JsonValue) => reorder(v, order))
  const entries = Object.entries(value as JsonSubset)
  // A cheap deterministic shuffle driven by the generated `order`.
  const keyed = entries.map(([k, v], i) => ({ k, v, rank: (Math.imul(i + 1, 2654435761) ^ order) >>> 0 }))
  keyed.sort((x, y) => x.rank - y.rank)
  return Object.fromEntries(keyed.map(({ k, v }) => [k, reorder(v, order)])) as JsonValue
}

const indent = fc.constantFrom<number | string | undefined>(undefined, 1, 2, '\t')

describe('jsonSubsetPattern', () => {
  it('compiles a flat subset to one lookahead per key', () => {
    expect(jsonSubsetPattern({ type: 'ack', id: 7 })).toMatchInlineSnapshot(
      `"^(?=\\s*\\{)(?=[\\s\\S]*?[{,]\\s*"type"\\s*:\\s*"ack")(?=[\\s\\S]*?[{,]\\s*"id"\\s*:\\s*7(?:\\.0+)?(?![0-9.eE]))[\\s\\S]*$"`,
    )
  })

  it('escapes regex syntax, quotes, backslashes and control characters', () => {
    const subset = { 'a.b*': 'x+y?(z)[w]{1}|^$\\ "q" \n /' }
    const pattern = jsonSubsetPattern(subset)
    expect(regexMatches(subset, JSON.stringify(subset))).toBe(true)
    expect(regexMatches(subset, JSON.stringify({ 'aXb*': subset['a.b*'] }))).toBe(false)
    // Some serializers write "/" as "\/"; both forms are accepted.
    expect(regexMatches(subset, JSON.stringify(subset).replace('/', '\\/'))).toBe(true)
    expect(() => new RegExp(pattern, 'u')).not.toThrow()
  })

  it('is valid with and without the u flag, with the same answers', () => {
    const subset = { name: 'Zoë 😀', n: -1.5, ok: true, nothing: null, list: [1, 'two', [3]] }
    const texts = [JSON.stringify(subset), JSON.stringify({ ...subset, n: -1.25 }), '{"name":"Zo\\u00EB \\uD83D\\uDE00","n":-1.50,"ok":true,"nothing":null,"list":[1,"two",[3]]}']
    const plain = texts.map((t) => regexMatches(subset, t))
    const unicode = texts.map((t) => regexMatches(subset, t, 'u'))
    expect(plain).toEqual([true, false, true])
    expect(unicode).toEqual(plain)
  })

  it('keeps numbers and strings apart and does not accept longer numbers', () => {
    const cases: Array<[JsonSubset, string, boolean]> = [
      [{ n: 1 }, '{"n":1}', true],
      [{ n: 1 }, '{"n":1.00}', true],
      [{ n: 1 }, '{"n":12}', false],
      [{ n: 1 }, '{"n":1.5}', false],
      [{ n: 1 }, '{"n":1e3}', false],
      [{ n: 1 }, '{"n":"1"}', false],
      [{ n: '1' }, '{"n":1}', false],
      [{ n: 0 }, '{"n":-0}', true],
      [{ n: 1e21 }, '{"n":1e+21}', true],
      [{ n: true }, '{"n":"true"}', false],
      [{ n: null }, '{"n":"null"}', false],
    ]
    for (const [subset, message, expected] of cases) {
      expect([subset, message, regexMatches(subset, message)]).toEqual([subset, message, expected])
      expect([subset, message, matchesMessage(subset, message)]).toEqual([subset, message, expected])
    }
  })

  it('ignores a key that only appears inside a string value', () => {
    const subset = { type: 'ack' }
    const message = JSON.stringify({ note: '{"type":"ack"}', other: ',"type":"ack"' })
    expect(regexMatches(subset, message)).toBe(false)
    expect(matchesMessage(subset, message)).toBe(false)
  })

  it('agrees with the deep match on flat subsets and flat messages (property)', () => {
    const outcomes = { match: 0, mismatch: 0 }
    fc.assert(
      fc.property(
        flatObject,
        fc.array(fc.tuple(key, flatValue), { maxLength: 3 }),
        fc.array(fc.tuple(fc.nat(5), flatValue), { maxLength: 2 }),
        fc.nat(),
        indent,
        (subset, extras, changes, order, space) => {
          const message: Record<string, JsonValue> = { ...Object.fromEntries(extras), ...subset }
          const keys = Object.keys(subset)
          for (const [which, value] of changes) {
            const k = keys[which % Math.max(1, keys.length)]
            if (k !== undefined) message[k] = value
          }
          const serialized = serialize(message, order, space)
          const deep = matchesMessage(subset, serialized)
          outcomes[deep ? 'match' : 'mismatch']++
          expect(regexMatches(subset, serialized)).toBe(deep)
        },
      ),
      { numRuns: 500 },
    )
    // Both answers must be well represented, or the property says little.
    expect(outcomes.match).toBeGreaterThan(100)
    expect(outcomes.mismatch).toBeGreaterThan(100)
  })

  it('agrees with the deep match when messages drop subset keys (property)', () => {
    fc.assert(
      fc.property(flatObject, fc.nat(), fc.nat(), indent, (subset, drop, order, space) => {
        const keys = Object.keys(subset)
        const message: Record<string, JsonValue> = { ...subset }
        const dropped = keys[drop % Math.max(1, keys.length)]
        if (dropped !== undefined) delete message[dropped]
        const serialized = serialize(message, order, space)
        expect(regexMatches(subset, serialized)).toBe(matchesMessage(subset, serialized))
      }),
      { numRuns: 300 },
    )
  })

  const nested = fc.letrec<{ value: JsonValue; object: JsonSubset }>((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('value'), { maxLength: 3 }), tie('object')),
    object: fc.dictionary(key, tie('value'), { maxKeys: 3 }),
  })).object

  function withExtras(value: JsonValue, extras: ReadonlyArray<[string, JsonValue]>): JsonValue {
    if (value === null || typeof value !== 'object') return value
    if (Array.isArray(value)) return value.map((v: JsonValue) => withExtras(v, extras))
    const own = Object.entries(value as JsonSubset).map(([k, v]): [string, JsonValue] => [k, withExtras(v, extras)])
    return Object.fromEntries([...extras, ...own]) as JsonValue
  }

  it('never rejects what the deep match accepts, at any nesting (property)', () => {
    fc.assert(
      fc.property(nested, fc.array(fc.tuple(key, flatValue), { maxLength: 2 }), fc.nat(), indent, (subset, extras, order, space) => {
        const serialized = serialize(withExtras(subset, extras), order, space)
        expect(matchesMessage(subset, serialized)).toBe(true)
        expect(regexMatches(subset, serialized)).toBe(true)
      }),
      { numRuns: 300 },
    )
  })

  it('is looser than the deep match where nesting matters (documented)', () => {
    const cases: Array<[JsonSubset, string]> = [
      // Nesting is not enforced: the nested key may sit in another object.
      [{ a: { b: 1 } }, '{"a":{},"c":{"b":1}}'],
      // A top-level key may be found at any depth.
      [{ type: 'ack' }, '{"type":"nack","data":{"type":"ack"}}'],
      // Arrays that contain objects: only "is an array" plus each nested key anywhere.
      [{ items: [{ id: 1 }] }, '{"items":[{"id":2},{"id":3}],"id":1}'],
      // A duplicated key counts if any occurrence matches (JSON.parse keeps the last one).
      [{ type: 'ack' }, '{"type":"ack","type":"nack"}'],
    ]
    for (const [subset, message] of cases) {
      expect([message, regexMatches(subset, message), matchesMessage(subset, message)]).toEqual([message, true, false])
    }
  })

  it('matches only JSON.stringify-style escapes for ASCII (documented)', () => {
    expect(regexMatches({ a: 'A' }, '{"a":"\\u0041"}')).toBe(false)
    expect(matchesMessage({ a: 'A' }, '{"a":"\\u0041"}')).toBe(true)
  })

  it('stays fast on a large message', () => {
    const subset = { type: 'tick', seq: 99_999, meta: { ok: true } }
    const big = JSON.stringify({ rows: Array.from({ length: 20_000 }, (_, i) => ({ i, v: 'x'.repeat(10) })), type: 'tick', seq: 99_999, meta: { ok: true } })
    const regex = new RegExp(jsonSubsetPattern(subset))
    const started = process.cpuUsage()
    expect(regex.test(big)).toBe(true)
    expect(regex.test(big.replace('"tick"', '"tock"'))).toBe(false)
    // Linear scans of ~600 KB; a backtracking blow-up would take seconds (of CPU: wall time also holds the load).
    expect(cpuMsSince(started)).toBeLessThan(1000)
  })

  it('rejects values JSON cannot hold', () => {
    const bad: unknown[] = [{ a: undefined }, { a: Number.NaN }, { a: { b: [1, () => 1] } }, { d: new Date(0) }, { n: 10n }, [1]]
    const messages = bad.map((value) => {
      try {
        jsonSubsetPattern(value as JsonSubset)
        return 'no error'
      } catch (error) {
        expect(error).toBeInstanceOf(MockWsError)
        return (error as MockWsError).message
      }
    })
    expect(messages).toMatchInlineSnapshot(`
      [
        "Failed to build a JSON subset pattern: $.a is undefined, which JSON cannot represent. Use only JSON values.",
        "Failed to build a JSON subset pattern: $.a is NaN, which JSON cannot represent. Use only JSON values.",
        "Failed to build a JSON subset pattern: $.a.b[1] is a function, which JSON cannot represent. Use only JSON values.",
        "Failed to build a JSON subset pattern: $.d is a Date instance, which JSON cannot represent. Use only JSON values.",
        "Failed to build a JSON subset pattern: $.n is a bigint, which JSON cannot represent. Use only JSON values.",
        "Failed to build a JSON subset pattern: $ is an array, not a plain object. Use only JSON values.",
      ]
    `)
  })

  it('reports cycles', () => {
    const cyclic: Record<string, unknown> = { a: 1 }
    cyclic['self'] = cyclic
    expect(jsonSubsetProblem(cyclic)).toBe('$.self refers back to one of its parents (a cycle)')
    // The same object twice, side by side, is not a cycle.
    const shared = { x: 1 }
    expect(jsonSubsetProblem({ a: shared, b: shared })).toBeUndefined()
  })
})

describe('matchesJsonSubset and escapeRegExp', () => {
  it('compares scalars with ===', () => {
    expect([matchesJsonSubset(1, 1), matchesJsonSubset(1, '1'), matchesJsonSubset(null, undefined), matchesJsonSubset('a', 'a')]).toEqual([
      true,
      false,
      false,
      true,
    ])
  })

  it('escapes every syntax character so the text matches itself', () => {
    fc.assert(
      fc.property(text, (t) => {
        expect(new RegExp(`^${escapeRegExp(t)}$`).test(t)).toBe(true)
        expect(new RegExp(`^${escapeRegExp(t)}$`, 'u').test(t)).toBe(true)
      }),
    )
  })
})
