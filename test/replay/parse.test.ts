import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { ReplayParseError } from '../../src/errors.js'
import { compileEntries, parseJsonlEntries, parseReplay } from '../../src/replay/parse.js'
import type { ParseReplayOptions } from '../../src/replay/parse.js'
import type { ReplayEntry } from '../../src/replay/types.js'
import { createTemplateContext } from '../../src/template/context.js'

const FIXTURES = new URL('../fixtures/', import.meta.url)

function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8')
}

function parseError(run: () => unknown): ReplayParseError {
  try {
    run()
  } catch (error) {
    if (error instanceof ReplayParseError) return error
    throw error
  }
  throw new Error('expected a ReplayParseError, but nothing was thrown')
}

/** Every issue of a bad fixture as `line:column: message`. */
function badFixture(name: string, opts: ParseReplayOptions = {}): string[] {
  const file = `bad/${name}.jsonl`
  const error = parseError(() => parseReplay(fixture(file), { ...opts, file }))
  for (const issue of error.issues) expect(issue.file).toBe(file)
  return error.issues.map((i) => `${i.line}:${i.column}: ${i.message}`)
}

function textIssues(text: string, opts: ParseReplayOptions = {}): string[] {
  return parseError(() => parseReplay(text, opts)).issues.map((i) => `${i.line}:${i.column}: ${i.message}`)
}

function entryIssues(entries: unknown[], opts: ParseReplayOptions = {}): string[] {
  return parseError(() => compileEntries(entries as ReplayEntry[], opts)).issues.map((i) => `${i.line}:${i.column}: ${i.message}`)
}

describe('bad replay files: every problem at its line:column', () => {
  test.each<[string, string[]]>([
    ['json-trailing-comma', ['2:35: invalid JSON: expected a double-quoted property name (trailing comma?)']],
    ['json-single-quotes', ["2:2: invalid JSON: unexpected 'ts'; strings and keys need double quotes"]],
    [
      'json-multiline-entry',
      [
        '2:22: invalid JSON: unexpected end of line, expected a property name (an entry must fit on one line)',
        '3:8: invalid JSON: unexpected : after the value; write one JSON object per line',
      ],
    ],
    ['json-comment', ['1:1: invalid JSON: comments are not allowed']],
    ['json-control-char', ['2:33: invalid JSON: control character U+0009 in a string; escape it (\\n, \\t, \\u0009)']],
    ['json-bad-escape', ['2:42: invalid JSON: bad escape \\q in a string']],
    ['json-two-objects', ['1:33: invalid JSON: unexpected { after the value; write one JSON object per line']],
    [
      'not-an-object',
      [
        '2:1: expected a JSON object like {"ts":0,"dir":"out","text":"hi"}, got an array ["ts",10,"dir","out"]',
        '3:1: expected a JSON object like {"ts":0,"dir":"out","text":"hi"}, got the string "just a string"',
      ],
    ],
    ['ts-missing', ['2:1: missing "ts": give the ms offset from the connection start, e.g. "ts":0']],
    ['ts-negative', ['1:7: "ts" must be >= 0, got -5']],
    ['ts-string', ['1:7: "ts" must be a number of ms >= 0, got the string "100"']],
    ['ts-infinite', ['1:7: "ts" must be a finite number, got Infinity']],
    ['ts-decreasing', ['4:7: "ts" 150 is less than 200 on line 2; ts must not decrease']],
    ['dir-unknown', ['2:16: "dir" must be "in" or "out", got the string "send"']],
    ['dir-missing', ['1:1: missing "dir": use "out" (the server sends) or "in" (the client is expected to send)']],
    [
      'unknown-field',
      [
        '1:32: unknown field "waitfor"; did you mean "waitFor"?',
        '2:32: unknown field "color"; known fields: ts, dir, text, binary, json, waitFor, waitForJson, match, capture, timeoutMs, close',
      ],
    ],
    [
      'text-not-string',
      ['1:28: "text" must be a string, got an object {"type":"welcome"} (to send JSON, write it as a string: "text":"{\\"a\\":1}")'],
    ],
    ['binary-invalid', ['1:35: "binary" is not valid base64: unexpected "*" at offset 4']],
    ['text-and-binary', ['1:33: an entry has "text" or "binary", not both']],
    ['out-nothing', ['1:1: an "out" entry needs "text", "binary", "close", "waitFor" or "waitForJson"']],
    ['in-nothing', ['2:1: an "in" entry needs "text" (the exact message), "match" (a regex), "json" (a JSON subset) or "binary"']],
    ['match-on-out', ['1:35: "match" is for "in" entries; on an "out" entry use "waitFor" to wait for a client message first']],
    [
      'waitfor-on-in',
      ['1:34: "waitFor" is for "out" entries; on an "in" entry use "match" for the regex the client message must match'],
    ],
    [
      'regex-invalid',
      [
        '1:28: "match" is not a valid regex: /^(\\d+$/: Unterminated group',
        '2:42: "waitFor" is not a valid regex: /[z-a]/: Range out of order in character class',
      ],
    ],
    [
      'timeout-invalid',
      ['1:45: "timeoutMs" must be a positive number of ms, got 0', '2:45: "timeoutMs" must be a positive number of ms, got the string "5s"'],
    ],
    ['close-not-object', ['1:29: "close" must be an object like {"code":1000,"reason":"bye"}, got true']],
    ['close-code', ['1:37: close code 1005 cannot be sent; use 1000 (normal), 1001-1003, 1007-1014 or an application code 3000-4999']],
    ['close-reason-long', ['1:51: close "reason" is 124 bytes of UTF-8; a close frame holds at most 123']],
  ])('%s', (name, expected) => {
    expect(badFixture(name)).toEqual(expected)
  })

  test('a template token is located inside the line, counting JSON escapes before it', () => {
    // The text decodes to {"id":"{{uuid}}","who":"{{user}}"}: seven \" escapes precede {{user}}.
    const issues = badFixture('template-unknown')
    expect(issues).toHaveLength(1)
    expect(issues[0]).toMatch(/^1:60: unknown token \{\{user\}\}\. Known tokens: /)
    const line = fixture('bad/template-unknown.jsonl')
    expect(line.slice(59, 67)).toBe('{{user}}')
  })

  test('every bad token of one text is reported, after \\u escapes too', () => {
    const issues = badFixture('template-bad-args')
    expect(issues).toEqual([
      '1:43: {{randInt 10 1}} has MIN 10 greater than MAX 1. Swap the bounds: {{randInt 1 10}}.',
      expect.stringMatching(/^1:60: \{\{now\+5x\}\} /),
    ])
    const line = fixture('bad/template-bad-args.jsonl')
    expect(line.slice(42, 44)).toBe('{{')
    expect(line.slice(59, 69)).toBe('{{now+5x}}')
  })

  test('a file with many problems reports all of them, in line order', () => {
    const error = parseError(() => parseReplay(fixture('bad/many-errors.jsonl'), { file: 'test/fixtures/bad/many-errors.jsonl' }))
    expect(error.code).toBe('WSM_REPLAY_PARSE')
    expect(error.issues.map((i) => i.line)).toEqual([2, 4, 4, 4, 5, 5, 5, 5, 5, 6, 6, 6, 6, 7])
    expect(error.message).toMatchInlineSnapshot(`
      "Failed to load replay test/fixtures/bad/many-errors.jsonl: 14 problems found.
        test/fixtures/bad/many-errors.jsonl:2:35: invalid JSON: expected a double-quoted property name (trailing comma?)
        test/fixtures/bad/many-errors.jsonl:4:7: "ts" must be >= 0, got -1
        test/fixtures/bad/many-errors.jsonl:4:16: "dir" must be "in" or "out", got the string "sideways"
        test/fixtures/bad/many-errors.jsonl:4:27: unknown field "txt"; did you mean "text"?
        test/fixtures/bad/many-errors.jsonl:5:1: an "in" entry needs "text" (the exact message), "match" (a regex), "json" (a JSON subset) or "binary"
        test/fixtures/bad/many-errors.jsonl:5:21: "waitFor" is for "out" entries; on an "in" entry use "match" for the regex the client message must match
        test/fixtures/bad/many-errors.jsonl:5:31: "waitFor" is not a valid regex: /(/: Unterminated group
        test/fixtures/bad/many-errors.jsonl:5:35: "close" is for "out" entries; the server cannot expect a close here
        test/fixtures/bad/many-errors.jsonl:5:51: close code 2000 cannot be sent; use 1000 (normal), 1001-1003, 1007-1014 or an application code 3000-4999
        test/fixtures/bad/many-errors.jsonl:6:7: "ts" 40 is less than 50 on line 5; ts must not decrease
        test/fixtures/bad/many-errors.jsonl:6:30: unknown token {{nope}}. Known tokens: {{uuid}}, {{now}}, {{now+30s}} / {{now-1d}} (s, m, h, d), {{randInt MIN MAX}}, {{randFloat MIN MAX}}, {{seq}}, {{lastMessage}}, {{match.NAME}}, {{faker.MODULE.METHOD}}; write \\{{ for a literal {{.
        test/fixtures/bad/many-errors.jsonl:6:40: an entry has "text" or "binary", not both
        test/fixtures/bad/many-errors.jsonl:6:50: "binary" is not valid base64: unexpected "!" at offset 0
        test/fixtures/bad/many-errors.jsonl:7:1: expected a JSON object like {"ts":0,"dir":"out","text":"hi"}, got 42"
    `)
  })

  test('full messages read as "Failed to load replay FILE: N problems found." with one line per problem', () => {
    const decreasing = parseError(() => parseReplay(fixture('bad/ts-decreasing.jsonl'), { file: 'ts-decreasing.jsonl' }))
    expect(decreasing.message).toMatchInlineSnapshot(`
      "Failed to load replay ts-decreasing.jsonl: 1 problem found.
        ts-decreasing.jsonl:4:7: "ts" 150 is less than 200 on line 2; ts must not decrease"
    `)
    const comma = parseError(() => parseReplay(fixture('bad/json-trailing-comma.jsonl'), { file: 'chat.jsonl' }))
    expect(comma.message).toMatchInlineSnapshot(`
      "Failed to load replay chat.jsonl: 1 problem found.
        chat.jsonl:2:35: invalid JSON: expected a double-quoted property name (trailing comma?)"
    `)
    const inline = parseError(() => parseReplay('{"ts":0,"dir":"in","text":"ping","waitFor":"^ping$"}'))
    expect(inline.message).toMatchInlineSnapshot(`
      "Failed to load replay <inline>: 1 problem found.
        <inline>:1:34: "waitFor" is for "out" entries; on an "in" entry use "match" for the regex the client message must match"
    `)
    const close = parseError(() => parseReplay(fixture('bad/close-code.jsonl'), { file: 'close.jsonl' }))
    expect(close.message).toMatchInlineSnapshot(`
      "Failed to load replay close.jsonl: 1 problem found.
        close.jsonl:1:37: close code 1005 cannot be sent; use 1000 (normal), 1001-1003, 1007-1014 or an application code 3000-4999"
    `)
  })
})

describe('JSON syntax errors', () => {
  test.each<[string, string]>([
    ['{"ts":0,"dir":"out","text":"x"', '1:31: invalid JSON: unexpected end of line, expected "}" (an entry must fit on one line)'],
    ['{"ts":0 "dir":"out"}', '1:9: invalid JSON: expected "," before "dir"'],
    ['{"ts" 0}', '1:7: invalid JSON: expected ":" after the property name'],
    ['{"ts":01,"dir":"out","text":"x"}', '1:8: invalid JSON: numbers cannot have leading zeros'],
    ['{"ts":NaN,"dir":"out","text":"x"}', '1:7: invalid JSON: NaN is not a JSON value'],
    ['{"ts":1.,"dir":"out","text":"x"}', '1:7: invalid JSON: malformed number 1.'],
    ['{ts:0}', '1:2: invalid JSON: unexpected ts; property names need double quotes'],
    ['{"ts":0,"dir":"out","text":"\\u12"}', '1:29: invalid JSON: bad escape \\u12"}; \\u needs 4 hex digits'],
    ['{"ts":0,"dir":"out","text":"abc', '1:28: invalid JSON: unterminated string'],
    ['{"ts":0,"dir":}', '1:15: invalid JSON: expected a value, got }'],
  ])('%s', (line, expected) => {
    expect(textIssues(line)).toEqual([expected])
  })
})

describe('entry rules', () => {
  test('equal timestamps are fine; each decrease is reported against the entry before it', () => {
    const text = ['{"ts":5,"dir":"out","text":"a"}', '{"ts":5,"dir":"out","text":"b"}', '{"ts":1,"dir":"out","text":"c"}', '{"ts":2,"dir":"out","text":"d"}'].join('\n')
    expect(textIssues(text)).toEqual(['3:7: "ts" 1 is less than 5 on line 2; ts must not decrease'])
  })

  test('near-miss and familiar field names get a suggestion', () => {
    const issues = textIssues(
      [
        '{"ts":0,"dir":"out","Text":"a"}',
        '{"ts":0,"dir":"in","message":"a"}',
        '{"ts":0,"dir":"in","match":"a","timeout":5}',
        '{"ts":0,"dir":"out","close":{"reson":"bye"}}',
      ].join('\n'),
    )
    expect(issues).toEqual([
      '1:1: an "out" entry needs "text", "binary", "close", "waitFor" or "waitForJson"',
      '1:21: unknown field "Text"; did you mean "text"?',
      '2:1: an "in" entry needs "text" (the exact message), "match" (a regex), "json" (a JSON subset) or "binary"',
      '2:20: unknown field "message"; did you mean "text"?',
      '3:32: unknown field "timeout"; did you mean "timeoutMs"?',
      '4:30: unknown field "close.reson"; did you mean "close.reason"?',
    ])
  })

  test('close codes follow what ws can send: 1000-1003, 1007-1014, 3000-4999, integers only', () => {
    const ok = [1000, 1001, 1003, 1007, 1011, 1014, 3000, 4999]
    for (const code of ok) expect(compileEntries([{ ts: 0, dir: 'out', close: { code } }]).steps[0]?.close).toEqual({ code })
    for (const code of [999, 1004, 1005, 1015, 2999, 5000]) {
      expect(entryIssues([{ ts: 0, dir: 'out', close: { code } }])).toEqual([
        `1:1: close code ${code} cannot be sent; use 1000 (normal), 1001-1003, 1007-1014 or an application code 3000-4999`,
      ])
    }
    expect(entryIssues([{ ts: 0, dir: 'out', close: { code: 1000.5 } }])).toEqual([
      '1:1: close "code" must be an integer, got 1000.5; use 1000 (normal), 1001-1003, 1007-1014 or an application code 3000-4999',
    ])
  })

  test('close code 1006 is a drop: accepted without a reason, rejected with one', () => {
    expect(compileEntries([{ ts: 0, dir: 'out', close: { code: 1006 } }]).steps[0]?.close).toEqual({ code: 1006 })
    expect(compileEntries([{ ts: 0, dir: 'out', close: { code: 1006, reason: '' } }]).steps[0]?.close).toEqual({ code: 1006, reason: '' })
    expect(entryIssues([{ ts: 0, dir: 'out', close: { code: 1006, reason: 'gone' } }])).toEqual([
      '1:1: close code 1006 drops the connection without a close frame, so it carries no "reason"; remove it',
    ])
  })

  test('a close reason may hold 123 UTF-8 bytes, counted in bytes rather than characters', () => {
    expect(compileEntries([{ ts: 0, dir: 'out', close: { reason: 'x'.repeat(123) } }]).steps).toHaveLength(1)
    expect(compileEntries([{ ts: 0, dir: 'out', close: { reason: 'é'.repeat(61) } }]).steps).toHaveLength(1)
    expect(entryIssues([{ ts: 0, dir: 'out', close: { reason: 'é'.repeat(62) } }])).toEqual([
      '1:1: close "reason" is 124 bytes of UTF-8; a close frame holds at most 123',
    ])
  })

  test('binary is standard base64: padding optional, url-safe characters and broken lengths rejected', () => {
    const bytes = (binary: string): number[] => [...(compileEntries([{ ts: 0, dir: 'out', binary }]).steps[0]?.binary ?? [])]
    expect(bytes('AAECA/8=')).toEqual([0, 1, 2, 3, 255])
    expect(bytes('AAECA/8')).toEqual([0, 1, 2, 3, 255])
    expect(bytes('')).toEqual([])
    expect(textIssues('{"ts":0,"dir":"out","binary":"AAEC-_8="}')).toEqual([
      '1:35: "binary" is not valid base64: unexpected "-" at offset 4 (base64url? use "+" and "/" instead of "-" and "_")',
    ])
    expect(textIssues('{"ts":0,"dir":"out","binary":"AAECA"}')).toEqual([
      '1:35: "binary" is not valid base64: 5 characters cannot encode whole bytes (a character is missing or extra)',
    ])
    expect(textIssues('{"ts":0,"dir":"out","binary":"AA=A"}')).toEqual([
      '1:33: "binary" is not valid base64: unexpected "=" at offset 2 (padding only at the end)',
    ])
  })

  test('timeoutMs belongs to a wait: on an out entry it needs waitFor', () => {
    expect(textIssues('{"ts":0,"dir":"out","text":"x","timeoutMs":100}')).toEqual([
      '1:32: "timeoutMs" has no effect on an "out" entry without "waitFor"',
    ])
  })

  test('match tests text, so it cannot be combined with binary on an in entry', () => {
    expect(textIssues('{"ts":0,"dir":"in","binary":"AA==","match":"x"}')).toEqual([
      '1:36: "match" tests text messages; use "match" or "binary", not both',
    ])
  })

  test('problems in close are located at the nested value', () => {
    const line = '{"ts":0,"dir":"out","close":{"code":"1000","reason":7}}'
    expect(textIssues(line)).toEqual([
      '1:37: close "code" must be an integer, got the string "1000"; use 1000 (normal), 1001-1003, 1007-1014 or an application code 3000-4999',
      '1:53: close "reason" must be a string, got 7',
    ])
    expect(line[36]).toBe('"')
    expect(line[52]).toBe('7')
  })
})

describe('hostile input', () => {
  test('a __proto__ key is an unknown field like any other', () => {
    expect(textIssues('{"ts":0,"dir":"out","text":"x","__proto__":{"waitFor":"a"}}')).toEqual([
      '1:32: unknown field "__proto__"; known fields: ts, dir, text, binary, json, waitFor, waitForJson, match, capture, timeoutMs, close',
    ])
  })

  test('pathologically deep nesting still yields a report instead of a stack overflow', () => {
    const depth = 200_000
    const deep = `{"ts":0,"dir":"out","text":"x","a":${'['.repeat(depth)}${']'.repeat(depth)}}`
    expect(textIssues(deep)).toEqual(['1:32: unknown field "a"; known fields: ts, dir, text, binary, json, waitFor, waitForJson, match, capture, timeoutMs, close'])
    const issues = textIssues('['.repeat(depth))
    expect(issues).toHaveLength(1)
    expect(issues[0]).toMatch(/^1:\d+: invalid JSON: /)
  })

  test('non-text input to parseReplay is reported, not thrown as a TypeError', () => {
    expect(textIssues(5 as unknown as string)).toEqual(['1:1: expected JSON Lines text, got 5'])
  })
})

describe('good files', () => {
  test('the MockForge documentation example parses and its templates render', () => {
    const replay = parseReplay(fixture('mockforge-example.jsonl'), { file: 'mockforge-example.jsonl' })
    expect(replay.source).toBe('mockforge-example.jsonl')
    expect(replay.usesFaker).toBe(false)
    expect(replay.steps.map((s) => [s.ts, s.dir, s.waitFor?.source])).toEqual([
      [0, 'out', '^CLIENT_READY$'],
      [10, 'out', undefined],
      [20, 'out', '^ACK$'],
    ])
    expect(replay.steps.map((s) => s.origin)).toEqual([1, 2, 3].map((line) => ({ file: 'mockforge-example.jsonl', line })))
    const ctx = createTemplateContext({ seed: 7 })
    const [hello, welcome, data] = replay.steps.map((s) => s.template?.render(ctx))
    expect(hello).toMatch(/^HELLO [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(JSON.parse(welcome ?? '')).toEqual({ type: 'welcome', sessionId: expect.stringMatching(/^[0-9a-f-]{36}$/) })
    const n = (JSON.parse(data ?? '') as { data: number }).data
    expect(Number.isInteger(n) && n >= 1 && n <= 100).toBe(true)
  })

  test('out text: token-free text is sent as is, tokens get a compiled template', () => {
    const [plain, ticking] = parseReplay(fixture('kinds-out-text.jsonl')).steps
    expect(plain?.text).toBe('{"type":"hello"}')
    expect(plain?.template).toBeUndefined()
    const ctx = createTemplateContext({ now: () => Date.UTC(2024, 0, 1) })
    expect(ticking?.template?.render(ctx)).toBe('tick 1 at 2024-01-01T00:00:00.000Z')
  })

  test('out binary: base64 is decoded to bytes', () => {
    const [first, empty] = parseReplay(fixture('kinds-out-binary.jsonl')).steps
    expect(first?.binary).toBeInstanceOf(Uint8Array)
    expect([...(first?.binary ?? [])]).toEqual([0, 1, 2, 3, 255])
    expect(first?.text).toBeUndefined()
    expect(empty?.binary?.byteLength).toBe(0)
  })

  test('out close: code and reason are kept', () => {
    const steps = parseReplay(fixture('kinds-out-close.jsonl')).steps
    expect(steps[1]).toMatchObject({ ts: 10, dir: 'out', close: { code: 4001, reason: 'session expired' } })
    expect(steps[1]?.text).toBeUndefined()
  })

  test('in text: the exact message, never treated as a template', () => {
    const [expectStep] = parseReplay(fixture('kinds-in-text.jsonl')).steps
    expect(expectStep).toMatchObject({ dir: 'in', text: '{"type":"subscribe"}' })
    expect(expectStep?.template).toBeUndefined()
    expect(parseReplay('{"ts":0,"dir":"in","text":"{{not a token}}"}').steps[0]?.text).toBe('{{not a token}}')
  })

  test('in match: a flag-less regex tested against the message, named groups available', () => {
    const [matchStep, reply] = parseReplay(fixture('kinds-in-match.jsonl')).steps
    const regex = matchStep?.match
    expect(regex?.flags).toBe('')
    expect(regex?.test('PING 42')).toBe(true)
    expect(regex?.test('ping 42')).toBe(false)
    expect(regex?.exec('PING 42')?.groups).toEqual({ n: '42' })
    expect(reply?.template?.render(createTemplateContext({ match: { n: '42' } }))).toBe('PONG 42')
  })

  test('waitFor and timeoutMs are compiled onto the step', () => {
    const waits = parseReplay(fixture('kinds-wait-for.jsonl')).steps
    expect(waits[1]?.waitFor?.test('READY')).toBe(true)
    expect(waits[1]?.waitFor?.test('NOT READY')).toBe(false)
    const timed = parseReplay(fixture('kinds-timeout.jsonl')).steps
    expect(timed.map((s) => s.timeoutMs)).toEqual([250, 1500])
    expect(timed[0]?.match?.source).toBe('^AUTH ')
  })

  test('blank lines, CRLF line ends and a byte order mark are accepted; line numbers stay true', () => {
    const text = '\uFEFF{"ts":0,"dir":"out","text":"a"}\r\n\r\n   \n\t\n{"ts":1,"dir":"out","text":"b"}\r\n'
    const replay = parseReplay(text)
    expect(replay.steps.map((s) => [s.index, s.origin.line, s.text])).toEqual([
      [0, 1, 'a'],
      [1, 5, 'b'],
    ])
    expect(textIssues('\uFEFF{"ts":0,"dir":"out","text":"a"}\r\n\r\n{"ts":-1,"dir":"out","text":"b"}\r\n')).toEqual([
      '3:7: "ts" must be >= 0, got -1',
    ])
    expect(parseReplay('').steps).toEqual([])
  })

  test('expandTemplates: false leaves tokens unvalidated and uncompiled', () => {
    const text = '{"ts":0,"dir":"out","text":"{{nope}} {{randInt 9 1}}"}'
    expect(textIssues(text)).toHaveLength(2)
    const [step] = parseReplay(text, { expandTemplates: false }).steps
    expect(step?.text).toBe('{{nope}} {{randInt 9 1}}')
    expect(step?.template).toBeUndefined()
  })

  test('faker tokens are marked, and checked against a faker when one is given', () => {
    const text = '{"ts":0,"dir":"out","text":"{{faker.person.fullName}}"}\n{"ts":1,"dir":"out","text":"{{faker.person.nope}}"}'
    expect(parseReplay(text).usesFaker).toBe(true)
    const faker = { person: { fullName: () => 'Ada Lovelace' } }
    const issues = textIssues(text, { faker })
    expect(issues).toHaveLength(1)
    expect(issues[0]).toMatch(/^2:29: \{\{faker\.person\.nope\}\} names faker\.person\.nope, which is not a data function/)
    const ok = parseReplay(text.split('\n')[0] ?? '', { faker })
    expect(ok.steps[0]?.template?.render(createTemplateContext({ faker }))).toBe('Ada Lovelace')
  })
})

describe('compileEntries', () => {
  test('validates objects from users as strictly as file lines, line = index + 1', () => {
    expect(
      entryIssues([
        { ts: 0, dir: 'out', text: 'ok' },
        null,
        'text',
        { ts: 1, dir: 'out', text: 'x', waitfor: '^A$' },
        { ts: 0.5, dir: 'in', text: 5 },
      ]),
    ).toEqual([
      '2:1: expected a JSON object like {"ts":0,"dir":"out","text":"hi"}, got null',
      '3:1: expected a JSON object like {"ts":0,"dir":"out","text":"hi"}, got the string "text"',
      '4:1: unknown field "waitfor"; did you mean "waitFor"?',
      '5:1: "ts" 0.5 is less than 1 on line 4; ts must not decrease',
      '5:1: "text" must be a string, got 5',
    ])
    expect(entryIssues({ ts: 0 } as unknown as unknown[])).toEqual(['1:1: expected an array of replay entries, got an object {"ts":0}'])
  })

  test('uses the given file name and keeps its own copy of each entry', () => {
    const close = { code: 4000, reason: 'done' }
    const entries: ReplayEntry[] = [{ ts: 0, dir: 'out', text: 'hi {{seq}}' }, { ts: 3, dir: 'out', close }]
    const replay = compileEntries(entries, { file: 'built.jsonl' })
    ;(entries[0] as ReplayEntry).text = 'changed'
    close.code = 1000
    expect(replay.source).toBe('built.jsonl')
    expect(replay.steps.map((s) => s.entry)).toEqual([{ ts: 0, dir: 'out', text: 'hi {{seq}}' }, { ts: 3, dir: 'out', close: { code: 4000, reason: 'done' } }])
    expect(replay.steps[1]?.close).toEqual({ code: 4000, reason: 'done' })
    expect(replay.steps[0]?.origin).toEqual({ file: 'built.jsonl', line: 1 })
  })

  test('the default file name is <inline>', () => {
    const error = parseError(() => compileEntries([{ ts: -1, dir: 'out', text: 'x' }]))
    expect(error.issues).toEqual([{ file: '<inline>', line: 1, column: 1, message: '"ts" must be >= 0, got -1' }])
  })
})

describe('parseJsonlEntries', () => {
  test('returns the plain entries of a valid file', () => {
    expect(parseJsonlEntries(fixture('kinds-out-close.jsonl'))).toEqual([
      { ts: 0, dir: 'out', text: 'bye' },
      { ts: 10, dir: 'out', close: { code: 4001, reason: 'session expired' } },
    ])
  })

  test('rejects a bad file like parseReplay does', () => {
    expect(() => parseJsonlEntries('{"ts":0}', { file: 'x.jsonl' })).toThrow(ReplayParseError)
  })
})
