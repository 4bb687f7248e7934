import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { compileEntries, parseJsonlEntries, parseReplay } from '../../src/replay/parse.js'
import { formatReplayEntry, toJSONL } from '../../src/replay/serialize.js'
import type { ReplayEntry } from '../../src/replay/types.js'

const FIXTURES = new URL('../fixtures/', import.meta.url)
const GOOD_FILES = [
  'mockforge-example.jsonl',
  'kinds-out-text.jsonl',
  'kinds-out-binary.jsonl',
  'kinds-out-close.jsonl',
  'kinds-in-text.jsonl',
  'kinds-in-match.jsonl',
  'kinds-wait-for.jsonl',
  'kinds-timeout.jsonl',
]

/** Valid entries of every kind, with fields that JSON and the validator accept. */
const entryArb: fc.Arbitrary<Omit<ReplayEntry, 'ts'>> = fc.oneof(
  fc.record(
    {
      dir: fc.constant('out' as const),
      text: fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('{{')),
      waitFor: fc.constantFrom('^READY$', 'ACK', '(?<id>\\d+)', '"type":"x"'),
      timeoutMs: fc.integer({ min: 1, max: 60_000 }),
      close: fc.record({ code: fc.constantFrom(1000, 1001, 1011, 3000, 4999), reason: fc.string({ maxLength: 20 }) }, { requiredKeys: [] }),
    },
    { requiredKeys: ['dir', 'text'] },
  ).map((e) => (e.timeoutMs !== undefined && e.waitFor === undefined ? { ...e, waitFor: '.' } : e)),
  fc.record({ dir: fc.constant('out' as const), binary: fc.uint8Array({ maxLength: 32 }).map((b) => Buffer.from(b).toString('base64')) }),
  fc.record({ dir: fc.constant('in' as const), text: fc.string(), timeoutMs: fc.integer({ min: 1, max: 5000 }) }, { requiredKeys: ['dir', 'text'] }),
  fc.record({ dir: fc.constant('in' as const), match: fc.constantFrom('^PING$', '^(?<n>\\d+)$', '\\{"a":1\\}') }),
)

const replayArb: fc.Arbitrary<ReplayEntry[]> = fc
  .array(fc.tuple(fc.nat({ max: 1000 }), entryArb), { maxLength: 20 })
  .map((pairs) => {
    let ts = 0
    return pairs.map(([gap, entry]) => ({ ...entry, ts: (ts += gap) }) as ReplayEntry)
  })

describe('toJSONL', () => {
  test('writes compact objects with fields in the canonical order, one per line, newline-terminated', () => {
    const entry = { close: { reason: 'bye', code: 4000 }, timeoutMs: 10, waitFor: '^GO$', text: 'x', dir: 'out', ts: 5 } as ReplayEntry
    expect(toJSONL([entry, { match: '^a$', dir: 'in', ts: 6 }])).toBe(
      '{"ts":5,"dir":"out","text":"x","waitFor":"^GO$","timeoutMs":10,"close":{"code":4000,"reason":"bye"}}\n' +
        '{"ts":6,"dir":"in","match":"^a$"}\n',
    )
    expect(toJSONL([])).toBe('')
  })

  test('leaves out absent and undefined fields', () => {
    expect(formatReplayEntry({ ts: 0, dir: 'out', text: 'a', waitFor: undefined, close: {} } as ReplayEntry)).toBe('{"ts":0,"dir":"out","text":"a","close":{}}')
  })

  test('escapes text so that every entry stays on one line', () => {
    const out = toJSONL([{ ts: 0, dir: 'out', text: 'line 1\nline 2\u2028"quoted"' }])
    expect(out.split('\n')).toHaveLength(2)
    expect(parseJsonlEntries(out)[0]?.text).toBe('line 1\nline 2\u2028"quoted"')
  })

  test('accepts a compiled replay', () => {
    const text = readFileSync(new URL('kinds-in-match.jsonl', FIXTURES), 'utf8')
    expect(toJSONL(parseReplay(text))).toBe(text)
  })

  test.each(GOOD_FILES)('round trips %s byte for byte', (name) => {
    const text = readFileSync(new URL(name, FIXTURES), 'utf8')
    expect(toJSONL(parseJsonlEntries(text))).toBe(text)
  })

  test('parse(toJSONL(entries)) gives the entries back, and plays the same steps', () => {
    fc.assert(
      fc.property(replayArb, (entries) => {
        const text = toJSONL(entries)
        expect(parseJsonlEntries(text)).toEqual(entries)
        const fromText = parseReplay(text).steps
        const fromEntries = compileEntries(entries).steps
        expect(fromText.map((s) => [s.ts, s.dir, s.text, s.binary && [...s.binary], s.waitFor?.source, s.match?.source, s.timeoutMs, s.close])).toEqual(
          fromEntries.map((s) => [s.ts, s.dir, s.text, s.binary && [...s.binary], s.waitFor?.source, s.match?.source, s.timeoutMs, s.close]),
        )
        expect(toJSONL(parseJsonlEntries(text))).toBe(text)
      }),
    )
  })
})
