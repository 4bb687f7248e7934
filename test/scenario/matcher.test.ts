import { describe, expect, it } from 'vitest'
import { describeMatcher, matcherKind, matchesMessage } from '../../src/scenario/matcher.js'

describe('matchesMessage: exact strings', () => {
  it('matches only the identical text', () => {
    expect(matchesMessage('ping', 'ping')).toBe(true)
    expect(matchesMessage('ping', 'ping ')).toBe(false)
    expect(matchesMessage('ping', 'PING')).toBe(false)
    expect(matchesMessage('', '')).toBe(true)
  })

  it('compares unicode text code unit for code unit', () => {
    expect(matchesMessage('héllo 😀', 'héllo 😀')).toBe(true)
    // "é" precomposed vs "e" + combining acute: different texts, so no match.
    expect(matchesMessage('h\u00e9llo', 'he\u0301llo')).toBe(false)
  })
})

describe('matchesMessage: regexes', () => {
  it('searches the message like RegExp#test', () => {
    expect(matchesMessage(/^READY$/, 'READY')).toBe(true)
    expect(matchesMessage(/READY/, 'NOT READY YET')).toBe(true)
    expect(matchesMessage(/^READY$/, 'READY!')).toBe(false)
  })

  it('honours flags in memory', () => {
    expect(matchesMessage(/^ready$/i, 'READY')).toBe(true)
    expect(matchesMessage(/^b$/m, 'a\nb')).toBe(true)
  })

  it('gives the same answer every time for a global regex', () => {
    const global = /a/g
    const answers = [1, 2, 3].map(() => matchesMessage(global, 'a'))
    expect(answers).toEqual([true, true, true])
  })
})

describe('matchesMessage: JSON subsets', () => {
  it('ignores key order and extra keys', () => {
    expect(matchesMessage({ type: 'ack', id: 7 }, '{"id":7,"extra":true,"type":"ack"}')).toBe(true)
    expect(matchesMessage({ type: 'ack' }, '{"type":"nack"}')).toBe(false)
    expect(matchesMessage({ type: 'ack' }, '{"kind":"ack"}')).toBe(false)
  })

  it('matches nested objects as subsets at every depth', () => {
    const subset = { data: { user: { name: 'Ada' } } }
    expect(matchesMessage(subset, '{"data":{"user":{"id":1,"name":"Ada"},"v":2}}')).toBe(true)
    expect(matchesMessage(subset, '{"data":{"user":{"name":"Bob"}}}')).toBe(false)
    expect(matchesMessage(subset, '{"data":{"user":"Ada"}}')).toBe(false)
    expect(matchesMessage(subset, '{"user":{"name":"Ada"}}')).toBe(false)
  })

  it('compares arrays by position and length, elements as subsets', () => {
    expect(matchesMessage({ tags: ['a', 'b'] }, '{"tags":["a","b"]}')).toBe(true)
    expect(matchesMessage({ tags: ['a', 'b'] }, '{"tags":["b","a"]}')).toBe(false)
    expect(matchesMessage({ tags: ['a'] }, '{"tags":["a","b"]}')).toBe(false)
    expect(matchesMessage({ tags: [] }, '{"tags":[]}')).toBe(true)
    expect(matchesMessage({ tags: [] }, '{"tags":["a"]}')).toBe(false)
    expect(matchesMessage({ items: [{ id: 1 }] }, '{"items":[{"id":1,"qty":3}]}')).toBe(true)
    expect(matchesMessage({ items: [{ id: 1 }] }, '{"items":{"0":{"id":1}}}')).toBe(false)
  })

  it('keeps numbers and strings distinct', () => {
    expect(matchesMessage({ n: 1 }, '{"n":1}')).toBe(true)
    expect(matchesMessage({ n: 1 }, '{"n":"1"}')).toBe(false)
    expect(matchesMessage({ n: '1' }, '{"n":1}')).toBe(false)
    expect(matchesMessage({ n: 1 }, '{"n":1.0}')).toBe(true)
    expect(matchesMessage({ n: 0 }, '{"n":-0}')).toBe(true)
  })

  it('treats null and booleans as values of their own', () => {
    expect(matchesMessage({ v: null }, '{"v":null}')).toBe(true)
    expect(matchesMessage({ v: null }, '{}')).toBe(false)
    expect(matchesMessage({ v: null }, '{"v":false}')).toBe(false)
    expect(matchesMessage({ v: false }, '{"v":false}')).toBe(true)
    expect(matchesMessage({ v: false }, '{"v":0}')).toBe(false)
    expect(matchesMessage({ v: true }, '{"v":"true"}')).toBe(false)
  })

  it('compares unicode keys and values exactly, however the client escaped them', () => {
    expect(matchesMessage({ 'clé': 'thé 😀' }, '{"clé":"thé 😀"}')).toBe(true)
    expect(matchesMessage({ 'clé': 'thé 😀' }, '{"cl\\u00e9":"th\\u00e9 \\ud83d\\ude00"}')).toBe(true)
    expect(matchesMessage({ 'clé': 'the' }, '{"clé":"thé"}')).toBe(false)
  })

  it('rejects texts that are not JSON objects', () => {
    expect(matchesMessage({}, '{}')).toBe(true)
    expect(matchesMessage({}, '[]')).toBe(false)
    expect(matchesMessage({}, 'null')).toBe(false)
    expect(matchesMessage({}, '"{}"')).toBe(false)
    expect(matchesMessage({ a: 1 }, '{"a":1')).toBe(false)
    expect(matchesMessage({ a: 1 }, 'ping')).toBe(false)
  })

  it('does not mistake inherited properties for keys', () => {
    expect(matchesMessage({ toString: 'x' }, '{}')).toBe(false)
    expect(matchesMessage(JSON.parse('{"__proto__":{"a":1}}') as { [k: string]: { a: number } }, '{"__proto__":{"a":1}}')).toBe(true)
  })
})

describe('matchesMessage: predicates', () => {
  it('passes the parsed JSON when the predicate declares a second parameter', () => {
    const seen: unknown[] = []
    const isAck = (_text: string, parsed?: unknown): boolean => {
      seen.push(parsed)
      return (parsed as { type?: unknown } | undefined)?.type === 'ack'
    }
    expect(matchesMessage(isAck, '{"type":"ack"}')).toBe(true)
    expect(matchesMessage(isAck, 'not json')).toBe(false)
    expect(seen).toEqual([{ type: 'ack' }, undefined])
  })

  it('does not parse for a one-parameter predicate', () => {
    const calls: unknown[][] = []
    const long = function (this: unknown, text: string): boolean {
      calls.push([...arguments])
      return text.length > 3
    }
    expect(matchesMessage(long, '{"a":1}')).toBe(true)
    expect(calls).toEqual([['{"a":1}']])
  })
})

describe('describeMatcher', () => {
  it('describes each kind the way failure messages show it', () => {
    function isAck(): boolean {
      return true
    }
    expect([
      describeMatcher('ping'),
      describeMatcher(/^READY$/i),
      describeMatcher({ type: 'ack', n: [1, null] }),
      describeMatcher(isAck),
      describeMatcher(() => true),
    ]).toMatchInlineSnapshot(`
      [
        ""ping"",
        "/^READY$/i",
        "{"type":"ack","n":[1,null]}",
        "predicate isAck",
        "predicate (anonymous)",
      ]
    `)
  })

  it('classifies matchers', () => {
    expect([matcherKind('x'), matcherKind(/x/), matcherKind({}), matcherKind(() => true), matcherKind([]), matcherKind(new Date(0))]).toEqual([
      'string',
      'regexp',
      'json-subset',
      'predicate',
      undefined,
      undefined,
    ])
  })
})
