import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MockWsError, ReplayParseError } from '../../src/errors.js'
import type { JsonSubset, JsonValue } from '../../src/scenario/json-subset.js'
import { escapeRegExp } from '../../src/scenario/json-subset.js'
import { Scenario, SCENARIO_FILE } from '../../src/scenario/scenario.js'
import type { ReplayEntry } from '../../src/replay/types.js'

function errorOf(fn: () => unknown): MockWsError {
  try {
    fn()
  } catch (error) {
    if (error instanceof MockWsError) return error
    throw error
  }
  throw new Error('expected an error')
}

describe('Scenario#toReplay', () => {
  it('maps every call to replay entries', () => {
    const s = new Scenario()
      .waitFor(/^CLIENT_READY$/)
      .send('{"type":"welcome","sessionId":"{{uuid}}"}')
      .expect({ type: 'subscribe' }, { timeoutMs: 500 })
      .expect('ping')
      .delay(100)
      .send(JSON.stringify({ price: 1 }))
      .send(Uint8Array.from([0, 1, 254, 255]))
      .close(1000, 'bye')
    expect(s.toReplay()).toEqual<ReplayEntry[]>([
      { ts: 0, dir: 'out', text: '{"type":"welcome","sessionId":"{{uuid}}"}', waitFor: '^CLIENT_READY$' },
      { ts: 0, dir: 'in', json: { type: 'subscribe' }, timeoutMs: 500 },
      { ts: 0, dir: 'in', text: 'ping' },
      { ts: 100, dir: 'out', text: '{"price":1}' },
      { ts: 100, dir: 'out', binary: 'AAH+/w==' },
      { ts: 100, dir: 'out', close: { code: 1000, reason: 'bye' } },
    ])
  })

  it('writes the file in canonical field order', () => {
    const s = new Scenario().send('hi').delay(5).waitFor('go', { timeoutMs: 50 }).close()
    expect(s.toJSONL()).toMatchInlineSnapshot(`
      "{"ts":0,"dir":"out","text":"hi"}
      {"ts":5,"dir":"out","waitFor":"^go$","timeoutMs":50,"close":{"code":1000,"reason":""}}
      "
    `)
  })

  it('gives an empty scenario no entries', () => {
    expect([new Scenario().toReplay(), new Scenario().toJSONL()]).toEqual([[], ''])
  })

  it('accumulates delays into ts and ignores zero delays', () => {
    const s = new Scenario().send('a').delay(10).delay(0).send('b').delay(2.5).delay(7.5).send('c')
    expect(s.toReplay().map((e) => e.ts)).toEqual([0, 10, 20])
  })

  it('puts waitFor on the next send or close, or on a wait-only entry', () => {
    const s = new Scenario()
      .waitFor('a')
      .send('x')
      .waitFor(/b/)
      .expect('y')
      .waitFor({ ready: true })
      .waitFor('c')
      .delay(50)
      .send('z')
      .waitFor('end', { timeoutMs: 9 })
    expect(s.toReplay()).toEqual<ReplayEntry[]>([
      { ts: 0, dir: 'out', text: 'x', waitFor: '^a$' },
      // Followed by an expect: a wait of its own.
      { ts: 0, dir: 'out', waitFor: 'b' },
      { ts: 0, dir: 'in', text: 'y' },
      // Followed by another waitFor.
      { ts: 0, dir: 'out', waitForJson: { ready: true } },
      // Followed by a delay: the delay runs after the wait, so the send cannot share its entry.
      { ts: 0, dir: 'out', waitFor: '^c$' },
      { ts: 50, dir: 'out', text: 'z' },
      // At the end.
      { ts: 50, dir: 'out', waitFor: '^end$', timeoutMs: 9 },
    ])
  })

  it('escapes a string waitFor so it matches exactly that text', () => {
    const [entry] = new Scenario().waitFor('a.b (c)?').toReplay()
    const regex = new RegExp(entry?.waitFor ?? '(?!)')
    expect([regex.test('a.b (c)?'), regex.test('axb (c)?'), regex.test('a.b (c)?!')]).toEqual([true, false, false])
  })

  it('drops flags that do not change a match (g, d) and refuses the others, naming the step', () => {
    expect(new Scenario().expect(/^a$/gd).toReplay()).toEqual([{ ts: 0, dir: 'in', match: '^a$' }])
    expect(errorOf(() => new Scenario().send('hello').expect(/^ready$/i).toReplay()).message).toMatchInlineSnapshot(`
      "Failed to serialize scenario: 1 step has no replay-file form.
        step 2 expect(/^ready$/i) cannot be serialized: replay regexes have no flags, and i changes what matches
      Use a string, a RegExp without flags or a JSON subset instead, or play the scenario in memory with mockWs().scenario(scenario)."
    `)
  })

  it('refuses predicates, listing every unserializable step at once', () => {
    const isAck = (text: string): boolean => text.includes('ack')
    const error = errorOf(() =>
      new Scenario()
        .send('a')
        .send('b')
        .expect(isAck)
        .waitFor((text) => text === 'go')
        .send('c')
        .waitFor(/x/ms)
        .toReplay(),
    )
    expect(error.code).toBe('WSM_SCENARIO')
    expect(error.message).toMatchInlineSnapshot(`
      "Failed to serialize scenario: 3 steps have no replay-file form.
        step 3 expect(predicate isAck) cannot be serialized: a predicate function has no replay-file form
        step 4 waitFor(predicate (anonymous)) cannot be serialized: a predicate function has no replay-file form
        step 5 waitFor(/x/ms) cannot be serialized: replay regexes have no flags, and ms changes what matches
      Use a string, a RegExp without flags or a JSON subset instead, or play the scenario in memory with mockWs().scenario(scenario)."
    `)
    expect(() => new Scenario().expect(isAck).toJSONL()).toThrow(/step 1 expect\(predicate isAck\) cannot be serialized/)
  })

  it('copies subsets and bytes when they are added', () => {
    const subset: Record<string, JsonValue> = { type: 'a' }
    const bytes = Uint8Array.from([1, 2])
    const s = new Scenario().expect(subset).send(bytes)
    subset['type'] = 'b'
    bytes[0] = 9
    expect(s.toReplay()).toEqual([
      { ts: 0, dir: 'in', json: { type: 'a' } },
      { ts: 0, dir: 'out', binary: Buffer.from([1, 2]).toString('base64') },
    ])
  })

  it('accepts a Buffer and a Uint8Array view of a larger buffer', () => {
    const backing = Uint8Array.from([7, 7, 1, 2, 3, 7])
    const entries = new Scenario().send(Buffer.from('hé')).send(backing.subarray(2, 5)).toReplay()
    expect(entries.map((e) => Buffer.from(e.binary ?? '', 'base64'))).toEqual([Buffer.from('hé'), Buffer.from([1, 2, 3])])
  })
})

describe('Scenario argument validation', () => {
  it('explains bad arguments when the call is made', () => {
    const bad: Array<() => unknown> = [
      () => new Scenario().delay(-5),
      () => new Scenario().delay(Number.NaN),
      () => new Scenario().close(1005),
      () => new Scenario().close(2000, 'x'),
      () => new Scenario().close(1000, 'é'.repeat(62)),
      () => new Scenario().send(42 as unknown as string),
      () => new Scenario().expect([1, 2] as unknown as JsonSubset),
      () => new Scenario().expect(null as unknown as string),
      () => new Scenario().waitFor({ when: new Date(0) } as unknown as JsonSubset),
      () => new Scenario().expect({ a: undefined } as unknown as JsonSubset),
      () => new Scenario().expect('x', { timeoutMs: 0 }),
      () => new Scenario().waitFor('x', { timeoutMs: Number.POSITIVE_INFINITY }),
    ]
    const messages = bad.map((fn) => {
      const error = errorOf(fn)
      expect(error.code).toBe('WSM_SCENARIO')
      return error.message
    })
    expect(messages).toMatchInlineSnapshot(`
      [
        "Failed to add delay(-5) to the scenario: ms must be a finite number >= 0. Pass a duration in milliseconds, e.g. delay(100).",
        "Failed to add delay(NaN) to the scenario: ms must be a finite number >= 0. Pass a duration in milliseconds, e.g. delay(100).",
        "Failed to add close(1005, "") to the scenario: 1005 is not a close code a server may send. Use 1000 (normal), 1001–1014 (not 1004–1006) or an application code 3000–4999.",
        "Failed to add close(2000, "x") to the scenario: 2000 is not a close code a server may send. Use 1000 (normal), 1001–1014 (not 1004–1006) or an application code 3000–4999.",
        "Failed to add close(1000, "éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé") to the scenario: the reason is 124 bytes of UTF-8, over the protocol's 123. Shorten the reason.",
        "Failed to add send(…) to the scenario: data is 42, not a string or Uint8Array. Pass text, or bytes as a Uint8Array/Buffer.",
        "Failed to add expect(an array) to the scenario: the matcher is an array. Pass a string (exact), a RegExp, a JSON object subset or a predicate function.",
        "Failed to add expect(null) to the scenario: the matcher is null. Pass a string (exact), a RegExp, a JSON object subset or a predicate function.",
        "Failed to add waitFor({"when":"1970-01-01T00:00:00.000Z"}) to the scenario: $.when is a Date instance, which JSON cannot represent. A JSON subset may hold only strings, finite numbers, booleans, null, arrays and plain objects.",
        "Failed to add expect({}) to the scenario: $.a is undefined, which JSON cannot represent. A JSON subset may hold only strings, finite numbers, booleans, null, arrays and plain objects.",
        "Failed to add expect("x") to the scenario: timeoutMs is 0; it must be a finite number > 0. Pass a duration in milliseconds, or leave it out to use the mock default.",
        "Failed to add waitFor("x") to the scenario: timeoutMs is Infinity; it must be a finite number > 0. Pass a duration in milliseconds, or leave it out to use the mock default.",
      ]
    `)
  })

  it('accepts every close code a server may send', () => {
    const codes = [1000, 1001, 1003, 1007, 1014, 3000, 4999]
    const s = new Scenario()
    for (const code of codes) s.close(code)
    expect(s.toReplay().map((e) => e.close?.code)).toEqual(codes)
  })
})

describe('Scenario#compile', () => {
  it('produces player steps with origins, the RegExp itself, native JSON and in-memory predicates', () => {
    const isAck = (text: string): boolean => text === 'ack'
    const ready = /^READY$/i
    const compiled = new Scenario()
      .waitFor(ready)
      .send('hi')
      .expect({ user: { name: 'Ada' } })
      .expect(isAck)
      .expect('exact')
      .close(4000, 'done')
      .compile()
    expect(compiled.source).toBe(SCENARIO_FILE)
    expect(compiled.steps.map((s) => [s.index, s.origin.file, s.origin.line, s.origin.description, s.dir, typeof s.predicate])).toEqual([
      [0, '<scenario>', 1, 'waitFor(/^READY$/i) then send("hi")', 'out', 'undefined'],
      [1, '<scenario>', 2, 'expect({"user":{"name":"Ada"}})', 'in', 'undefined'],
      [2, '<scenario>', 3, 'expect(predicate isAck)', 'in', 'function'],
      [3, '<scenario>', 4, 'expect("exact")', 'in', 'undefined'],
      [4, '<scenario>', 5, 'close(4000, "done")', 'out', 'undefined'],
    ])
    const [wait, subset, predicate] = compiled.steps
    // The RegExp plays as given (flags kept), so its named groups reach the player.
    expect(wait?.waitFor).toBe(ready)
    expect(subset?.json).toEqual({ user: { name: 'Ada' } })
    expect(subset?.match).toBeUndefined()
    expect([predicate?.predicate?.('ack'), predicate?.predicate?.('nack')]).toEqual([true, false])
  })

  it('gives the same entries as toReplay when everything is serializable', () => {
    const s = new Scenario().send('a').expect(/b/).expect({ c: [1] }).delay(3).waitFor('d').close()
    expect(s.compile().steps.map((step) => step.entry)).toEqual(s.toReplay())
  })

  it('uses the given file name and compiles templates, reporting bad tokens by step', () => {
    const compiled = new Scenario().send('{"id":"{{uuid}}"}').compile({ file: 'login scenario' })
    expect([compiled.source, compiled.steps[0]?.origin.file, compiled.steps[0]?.template?.isStatic]).toEqual(['login scenario', 'login scenario', false])
    const error = errorOf(() => new Scenario().send('ok').send('{{nope}}').compile())
    expect(error).toBeInstanceOf(ReplayParseError)
    expect((error as ReplayParseError).issues.map((i) => `${i.file}:${i.line}`)).toEqual(['<scenario>:2'])
    // Without expansion the text is sent as written.
    expect(new Scenario().send('{{nope}}').compile({ expandTemplates: false }).steps[0]?.template).toBeUndefined()
  })

  it('wraps a throwing predicate in an error naming the step', () => {
    const compiled = new Scenario()
      .send('a')
      .expect(function explodes(): boolean {
        throw new Error('boom')
      })
      .compile()
    expect(errorOf(() => compiled.steps[1]?.predicate?.('x')).message).toMatchInlineSnapshot(
      `"Failed to match a client message at step 2 expect(predicate explodes): the predicate threw Error: boom. Make the predicate return false instead of throwing."`,
    )
  })
})

describe('Scenario.fromReplay', () => {
  it('reads entries and JSONL text, keeping regexes exactly as written', () => {
    const jsonl = [
      '{"ts":0,"dir":"out","text":"hello"}',
      '',
      '{"ts":20,"dir":"in","match":"^a/b$","timeoutMs":300}',
      '{"ts":20,"dir":"out","binary":"AQID","waitFor":"go"}',
      '{"ts":45,"dir":"out","close":{}}',
    ].join('\n')
    const s = Scenario.fromReplay(jsonl)
    expect(s.steps).toEqual([
      { kind: 'send', text: 'hello' },
      { kind: 'delay', ms: 20 },
      { kind: 'expect', matcher: /^a\/b$/, source: '^a/b$', timeoutMs: 300 },
      { kind: 'waitFor', matcher: /go/, source: 'go' },
      { kind: 'send', bytes: Uint8Array.from([1, 2, 3]) },
      { kind: 'delay', ms: 25 },
      { kind: 'close', code: 1000, reason: '' },
    ])
    expect(s.toReplay()).toEqual([
      { ts: 0, dir: 'out', text: 'hello' },
      { ts: 20, dir: 'in', match: '^a/b$', timeoutMs: 300 },
      { ts: 20, dir: 'out', binary: 'AQID', waitFor: 'go' },
      { ts: 45, dir: 'out', close: { code: 1000, reason: '' } },
    ])
    expect(Scenario.fromReplay(s.toReplay()).toJSONL()).toBe(s.toJSONL())
  })

  it('rejects invalid input with the replay parser errors', () => {
    const error = errorOf(() => Scenario.fromReplay('{"ts":0,"dir":"sideways","text":"x"}\n{"ts":-1,"dir":"out","text":"y"}', { file: 'bad.jsonl' }))
    expect(error).toBeInstanceOf(ReplayParseError)
    expect((error as ReplayParseError).issues.map((i) => `${i.file}:${i.line}`)).toEqual(['bad.jsonl:1', 'bad.jsonl:2'])
  })

  it('refuses a binary "in" entry, which has no scenario form', () => {
    expect(errorOf(() => Scenario.fromReplay([{ ts: 0, dir: 'in', binary: 'AQ==' }])).message).toMatchInlineSnapshot(
      `"Failed to build a scenario from <inline>:1: an "in" entry expecting a binary frame has no scenario form. Keep this replay as a file and play it with mockWs().replay(…)."`,
    )
  })
})

// ---------------------------------------------------------------------------------------------
// Round trip over generated scenarios.

const unicodeText = fc.string({ unit: 'binary', maxLength: 12 })
const jsonScalar: fc.Arbitrary<JsonValue> = fc.oneof(unicodeText, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null))
const jsonValue = fc.letrec<{ value: JsonValue; object: JsonSubset }>((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, jsonScalar, fc.array(tie('value'), { maxLength: 3 }), tie('object')),
  object: fc.dictionary(unicodeText, tie('value'), { maxKeys: 3 }),
}))
const regex = fc.oneof(
  fc.constantFrom(/^READY$/, /a+b*/, /\d{2,}/g, /^(?<word>\w+) (?<n>\d+)$/, /a\/b/, /[{}]/, /\u00e9/),
  unicodeText.map((t) => new RegExp(escapeRegExp(t))),
)
const matcher = fc.oneof(unicodeText, regex, jsonValue.object)
const timeout = fc.option(fc.integer({ min: 1, max: 60_000 }), { nil: undefined })
const closeCode = fc.oneof(fc.constantFrom(1000, 1001, 1011, 1014), fc.integer({ min: 3000, max: 4999 }))

type Op = (s: Scenario) => void
const op: fc.Arbitrary<Op> = fc.oneof(
  unicodeText.map((t): Op => (s) => s.send(t)),
  fc.uint8Array({ maxLength: 16 }).map((b): Op => (s) => s.send(b)),
  fc.tuple(matcher, timeout).map(([m, t]): Op => (s) => s.expect(m, t === undefined ? undefined : { timeoutMs: t })),
  fc.tuple(matcher, timeout).map(([m, t]): Op => (s) => s.waitFor(m, t === undefined ? undefined : { timeoutMs: t })),
  fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.double({ min: 0, max: 100, noNaN: true })).map((ms): Op => (s) => s.delay(ms)),
  fc.tuple(closeCode, fc.string({ maxLength: 20 })).map(([code, reason]): Op => (s) => s.close(code, reason)),
)
const scenario = fc.array(op, { maxLength: 12 }).map((ops) => {
  const s = new Scenario()
  for (const apply of ops) apply(s)
  return s
})

describe('round trip (property)', () => {
  it('fromReplay(s.toReplay()).toReplay() equals s.toReplay()', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const entries = s.toReplay()
        expect(Scenario.fromReplay(entries).toReplay()).toEqual(entries)
      }),
      { numRuns: 300 },
    )
  })

  it('the JSONL form round-trips to the same text', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const jsonl = s.toJSONL()
        expect(Scenario.fromReplay(jsonl).toJSONL()).toBe(jsonl)
      }),
      { numRuns: 200 },
    )
  })

  it('compiles in memory to the entries it serializes to', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        expect(s.compile({ expandTemplates: false }).steps.map((step) => step.entry)).toEqual(s.toReplay())
      }),
      { numRuns: 200 },
    )
  })
})
