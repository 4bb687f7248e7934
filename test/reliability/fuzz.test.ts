import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MockWsError, ReplayParseError, TemplateError } from '../../src/errors.js'
import { compileEntries, parseReplay } from '../../src/replay/parse.js'
import type { ReplayEntry } from '../../src/replay/types.js'
import { jsonSubsetPattern, jsonSubsetProblem, matchesJsonSubset, type JsonSubset, type JsonValue } from '../../src/scenario/json-subset.js'
import { matchesMessage } from '../../src/scenario/matcher.js'
import { compileTemplate, findTemplateIssues } from '../../src/template/compile.js'
import { createTemplateContext } from '../../src/template/context.js'
import { expandTokens } from '../../src/template/expand.js'
import { cpuMsSince } from '../support/cpu-time.js'

// Bounded so the suite stays fast in CI: a fixed seed reproduces a failure, the time limit caps a slow machine.
const RUNS = { numRuns: 400, interruptAfterTimeLimit: 8000, seed: 7 } as const
/** Longest time one call may take before it counts as a hang (one parse of a small input takes microseconds). */
const MAX_CALL_MS = 250
const MAX_RENDER_CHECKS = 50
/** Bound for one parse of a megabyte-sized hostile input (about 2 s on an idle machine; generous for a loaded one, far below a hang). */
const HOSTILE_INPUT_MS = 15_000

/** Runs `fn`, asserting that it either returns or throws a `MockWsError` with the expected code, quickly. */
function outcome<T>(fn: () => T, code: MockWsError['code'], maxMs = MAX_CALL_MS): { value?: T; error?: MockWsError } {
  const start = process.cpuUsage()
  try {
    return { value: fn() }
  } catch (error) {
    expect(error).toBeInstanceOf(MockWsError)
    expect((error as MockWsError).code).toBe(code)
    return { error: error as MockWsError }
  } finally {
    expect(cpuMsSince(start)).toBeLessThan(maxMs)
  }
}

function expectLocatedIssues(error: MockWsError | undefined, lines: number): void {
  if (!error) return
  expect(error).toBeInstanceOf(ReplayParseError)
  const { issues } = error as ReplayParseError
  expect(issues.length).toBeGreaterThan(0)
  // The rendered message is checked for the first issues only: checking 20,000 of them is quadratic.
  for (const [n, issue] of issues.entries()) {
    expect(issue.file).toBe('fuzz.jsonl')
    expect(issue.line).toBeGreaterThanOrEqual(1)
    expect(issue.line).toBeLessThanOrEqual(Math.max(1, lines))
    expect(issue.column).toBeGreaterThanOrEqual(1)
    expect(issue.message.length).toBeGreaterThan(0)
    if (n < MAX_RENDER_CHECKS) expect(error.message).toContain(`fuzz.jsonl:${issue.line}:${issue.column}: `)
  }
}

// Pieces of the replay and template grammars, so random text hits the interesting paths, not just "bad JSON".
const replayPieces = fc.constantFrom(
  '{', '}', '[', ']', '"', ':', ',', '\\', '\\u', '\\"', 'ts', '"ts":', '0', '-1', '1e999', '"dir":', '"in"', '"out"',
  '"text":', '"binary":', '"waitFor":', '"match":', '"timeoutMs":', '"close":', '{"code":1000}', '"reason":', '"(a+)+$"',
  '"^x$"', '"[a-"', '"{{uuid}}"', '"{{nope}}"', '"{{randInt 5 1}}"', '"aGk="', '"a-b_"', 'null', 'true', ' ', '\n', '\r\n', '\t',
  '\u00e9', '\ud83d', '\ufeff', '/*c*/', "'x'",
)
const replayText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: replayPieces, maxLength: 60 }),
)
const entryValue = fc.oneof(
  fc.constantFrom(0, 1, -1, 1.5, Number.NaN, Infinity, 'in', 'out', '', '(a+)+$', '^ok$', '[', '{{uuid}}', '{{seq', 'aGk=', null, true),
  fc.jsonValue({ maxDepth: 2 }),
  fc.anything({ maxDepth: 2 }),
)
const entryLike = fc.dictionary(
  fc.constantFrom('ts', 'dir', 'text', 'binary', 'waitFor', 'match', 'timeoutMs', 'close', 'txet', 'type', '__proto__'),
  fc.oneof(entryValue, fc.record({ code: entryValue, reason: entryValue }, { requiredKeys: [] })),
  { maxKeys: 6 },
)

describe('replay parser under fuzzing', () => {
  it('parseReplay returns a replay or a ReplayParseError with file:line:column for any text', () => {
    fc.assert(
      fc.property(replayText, (text) => {
        const { error } = outcome(() => parseReplay(text, { file: 'fuzz.jsonl' }), 'WSM_REPLAY_PARSE')
        expectLocatedIssues(error, text.split('\n').length)
      }),
      RUNS,
    )
  })

  it('parseReplay handles lines of JSON objects with random fields', () => {
    fc.assert(
      fc.property(fc.array(entryLike, { maxLength: 8 }), (entries) => {
        const text = entries.map((e) => JSON.stringify(e) ?? 'undefined').join('\n')
        const { error } = outcome(() => parseReplay(text, { file: 'fuzz.jsonl' }), 'WSM_REPLAY_PARSE')
        expectLocatedIssues(error, entries.length)
      }),
      RUNS,
    )
  })

  it('compileEntries accepts or rejects any array, never crashes', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(entryLike, fc.anything({ maxDepth: 2 })), { maxLength: 8 }), (entries) => {
        const { error } = outcome(() => compileEntries(entries as ReplayEntry[], { file: 'fuzz.jsonl' }), 'WSM_REPLAY_PARSE')
        expectLocatedIssues(error, entries.length)
      }),
      RUNS,
    )
  })

  it('non-text and non-array inputs are a ReplayParseError, not a TypeError', () => {
    fc.assert(
      fc.property(fc.anything().filter((v) => typeof v !== 'string' && !Array.isArray(v)), (input) => {
        expectLocatedIssues(outcome(() => parseReplay(input as string, { file: 'fuzz.jsonl' }), 'WSM_REPLAY_PARSE').error, 1)
        expectLocatedIssues(outcome(() => compileEntries(input as ReplayEntry[], { file: 'fuzz.jsonl' }), 'WSM_REPLAY_PARSE').error, 1)
      }),
      { ...RUNS, numRuns: 100 },
    )
  })

  it('hostile sizes stay bounded: a deep line, a long line, many lines', () => {
    const deep = `{"ts":0,"dir":"out","text":${'['.repeat(100_000)}}`
    const long = `{"ts":0,"dir":"out","text":"${'{{'.repeat(200_000)}"}`
    const many = '{"ts":0,"dir":"out","text":"x","bogus":1}\n'.repeat(20_000)
    for (const text of [deep, long, many]) {
      // Generous: these inputs are megabytes, and the 2-core CI machine is noisy.
      const { error } = outcome(() => parseReplay(text, { file: 'fuzz.jsonl' }), 'WSM_REPLAY_PARSE', HOSTILE_INPUT_MS)
      expectLocatedIssues(error, text.split('\n').length)
    }
  }, 60_000)
})

const templatePieces = fc.constantFrom(
  '{{', '}}', '{', '}', '\\', '\\{{', ' ', 'uuid', 'now', 'now+', 'now-', '1m', '30s', '2h', '1d', '99999999999999999d', 'randInt',
  'randFloat', '5', '-3', '1e3', 'x', 'seq', 'lastMessage', 'match.', 'match.name', 'faker.', 'faker.person.fullName',
  'faker.__proto__.x', 'constructor', '\u00e9', '\ud83d',
)
const templateText = fc.oneof(fc.string({ maxLength: 100 }), fc.string({ unit: templatePieces, maxLength: 40 }))

describe('template engine under fuzzing', () => {
  it('compileTemplate renders or throws a TemplateError at an offset inside the text', () => {
    fc.assert(
      fc.property(templateText, (text) => {
        const { value, error } = outcome(() => compileTemplate(text), 'WSM_TEMPLATE')
        const issues = findTemplateIssues(text)
        if (error) {
          expect(error).toBeInstanceOf(TemplateError)
          const { index, token } = error as TemplateError
          expect(index).toBeGreaterThanOrEqual(0)
          expect(index).toBeLessThan(text.length)
          expect(text.slice(index)).toContain(token.slice(0, 2))
          expect(issues[0]?.index).toBe(index)
          return
        }
        expect(issues).toEqual([])
        if (value && !value.usesFaker) {
          const rendered = value.render(createTemplateContext({ seed: 1, now: () => 0, lastMessage: 'last', match: { name: 'n' } }))
          expect(typeof rendered).toBe('string')
          if (value.isStatic) expect(rendered).toBe(text)
        }
      }),
      RUNS,
    )
  })

  it('expandTokens returns a string or throws a TemplateError', () => {
    fc.assert(
      fc.property(templateText, (text) => {
        const { value } = outcome(() => expandTokens(text, { seed: 3, now: () => 0 }), 'WSM_TEMPLATE')
        if (value !== undefined) expect(typeof value).toBe('string')
      }),
      RUNS,
    )
  })

  it('a long run of braces is linear, not quadratic', () => {
    const text = `${'{{'.repeat(300_000)}uuid}}`
    outcome(() => compileTemplate(text), 'WSM_TEMPLATE', HOSTILE_INPUT_MS)
    const start = process.cpuUsage()
    expect(findTemplateIssues(text).length).toBeLessThanOrEqual(1)
    expect(cpuMsSince(start)).toBeLessThan(HOSTILE_INPUT_MS)
  })
})

const json = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<JsonValue>
const subset = fc.dictionary(fc.string({ maxLength: 6 }), json, { maxKeys: 4 }) as fc.Arbitrary<JsonSubset>

describe('JSON-subset matcher under fuzzing', () => {
  it('matchesJsonSubset never throws on any value', () => {
    fc.assert(
      fc.property(json, fc.anything({ maxDepth: 3, withNullPrototype: true, withMap: true, withTypedArray: true }), (s, value) => {
        expect(typeof outcome(() => matchesJsonSubset(s, value), 'WSM_SCENARIO').value).toBe('boolean')
      }),
      RUNS,
    )
  })

  it('matchesMessage on any text agrees with the in-memory match of the parsed JSON', () => {
    fc.assert(
      fc.property(subset, fc.oneof(json.map((v) => JSON.stringify(v)), fc.string({ maxLength: 60 })), (s, text) => {
        const { value } = outcome(() => matchesMessage(s, text), 'WSM_SCENARIO')
        let parsed: unknown
        try {
          parsed = JSON.parse(text)
        } catch {
          expect(value).toBe(false)
          return
        }
        expect(value).toBe(matchesJsonSubset(s, parsed))
      }),
      RUNS,
    )
  })

  it('the compiled regex accepts every message the in-memory match accepts, and stays fast', () => {
    const objectWithSubset = subset.chain((s) =>
      fc.tuple(fc.constant(s), fc.dictionary(fc.string({ maxLength: 6 }), json, { maxKeys: 3 }).map((extra) => ({ ...extra, ...s }))),
    )
    fc.assert(
      fc.property(objectWithSubset, ([s, message]) => {
        const text = JSON.stringify(message)
        const start = process.cpuUsage()
        const regex = new RegExp(jsonSubsetPattern(s))
        if (matchesJsonSubset(s, message)) expect(regex.test(text)).toBe(true)
        expect(cpuMsSince(start)).toBeLessThan(MAX_CALL_MS)
      }),
      RUNS,
    )
  })

  it('jsonSubsetPattern rejects what JSON cannot hold with a WSM_SCENARIO error', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 4 }), fc.anything({ maxDepth: 2 }), { maxKeys: 3 }), (s) => {
        const { value, error } = outcome(() => jsonSubsetPattern(s as JsonSubset), 'WSM_SCENARIO')
        if (error) expect(jsonSubsetProblem(s)).toBeDefined()
        else expect(typeof value).toBe('string')
      }),
      RUNS,
    )
  })
})
