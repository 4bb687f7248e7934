import { afterEach, describe, expect, test } from 'vitest'
import { ReplayParseError } from '../../src/errors.js'
import { parseCapturePath, readCapturePath } from '../../src/replay/capture-path.js'
import { compileEntries, parseReplay } from '../../src/replay/parse.js'
import { toJSONL } from '../../src/replay/serialize.js'
import type { ReplayEntry } from '../../src/replay/types.js'
import { Scenario } from '../../src/scenario/scenario.js'
import { closeAllMocks, mockWs } from '../../src/index.js'
import { connectClient, type TestClient } from '../support/client.js'

const clients: TestClient[] = []
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close()
  await closeAllMocks()
})

async function client(url: string): Promise<TestClient> {
  const c = await connectClient(url)
  clients.push(c)
  return c
}

function issues(text: string): string[] {
  try {
    parseReplay(text, { file: 'f.jsonl' })
  } catch (error) {
    if (error instanceof ReplayParseError) return error.issues.map((i) => `${i.line}:${i.column}: ${i.message}`)
    throw error
  }
  return []
}

describe('json, waitForJson and capture: parsing', () => {
  test('valid entries compile to steps with the JSON value and the parsed paths', () => {
    const replay = parseReplay(
      [
        '{"ts":0,"dir":"in","json":{"type":"subscribe","payload":{"query":"q"}},"capture":{"id":"$.id","first":"$.payload.ids[0]","ct":"$[\\"content-type\\"]"}}',
        '{"ts":0,"dir":"out","text":"ok {{match.id}}","waitForJson":{"type":"ready"},"capture":{"who":"$.user.name"}}',
        '{"ts":0,"dir":"in","json":[1,{"a":true}]}',
        '{"ts":0,"dir":"in","json":null}',
      ].join('\n'),
    )
    const [sub, wait, array, nul] = replay.steps
    expect(sub?.json).toEqual({ type: 'subscribe', payload: { query: 'q' } })
    expect(sub?.capture).toEqual([
      { name: 'id', path: ['id'] },
      { name: 'first', path: ['payload', 'ids', 0] },
      { name: 'ct', path: ['content-type'] },
    ])
    expect(wait?.waitForJson).toEqual({ type: 'ready' })
    expect(wait?.capture).toEqual([{ name: 'who', path: ['user', 'name'] }])
    expect(array?.json).toEqual([1, { a: true }])
    expect(nul?.json).toBeNull()
  })

  test('bad json, waitForJson and capture fields are reported at file:line:column', () => {
    expect(
      issues(
        [
          '{"ts":0,"dir":"out","text":"x","json":{"a":1}}',
          '{"ts":0,"dir":"in","waitForJson":{"a":1}}',
          '{"ts":0,"dir":"in","json":{"a":1},"match":"a"}',
          '{"ts":0,"dir":"in","json":{"a":1},"text":"a"}',
          '{"ts":0,"dir":"out","waitFor":"a","waitForJson":{"a":1}}',
          '{"ts":0,"dir":"in","json":{},"capture":"$.id"}',
          '{"ts":0,"dir":"in","json":{},"capture":{"id":"id"}}',
          '{"ts":0,"dir":"in","json":{},"capture":{"id":"$.a..b"}}',
          '{"ts":0,"dir":"in","json":{},"capture":{"id":"$[01]"}}',
          '{"ts":0,"dir":"in","json":{},"capture":{"1x":"$.a","y":5}}',
          '{"ts":0,"dir":"out","text":"x","capture":{"id":"$.id"}}',
          '{"ts":0,"dir":"in","binary":"AQI=","capture":{"id":"$.id"}}',
        ].join('\n'),
      ),
    ).toMatchInlineSnapshot(`
      [
        "1:32: "json" is for "in" entries; on an "out" entry use "waitForJson" to wait for a JSON client message first",
        "2:1: an "in" entry needs "text" (the exact message), "match" (a regex), "json" (a JSON subset) or "binary"",
        "2:20: "waitForJson" is for "out" entries; on an "in" entry use "json" for the JSON the client message must contain",
        "3:20: an "in" entry matches with "json" or "match", not both",
        "4:20: an "in" entry expects "text" (exact) or "json" (a JSON subset), not both",
        "5:35: an entry waits for "waitFor" (a regex) or "waitForJson" (JSON), not both",
        "6:40: "capture" must be an object of names to paths like {"id":"$.id"}, got the string "$.id"",
        "7:47: capture "id" has a bad path "id": a capture path starts with "$" (the whole message); write e.g. "$.id", "$.payload.ids[0]" or "$[\\"content-type\\"]"",
        "8:51: capture "id" has a bad path "$.a..b": ".NAME" needs a name of letters, digits, "_" or "$" not starting with a digit (use ["…"] for other keys, [N] for an index); write e.g. "$.id", "$.payload.ids[0]" or "$[\\"content-type\\"]"",
        "9:49: capture "id" has a bad path "$[01]": an index has no leading zeros; write e.g. "$.id", "$.payload.ids[0]" or "$[\\"content-type\\"]"",
        "10:41: capture name "1x" is not usable as {{match.NAME}}; use letters, digits, "_" or "$", not starting with a digit",
        "10:56: capture "y" must be a path string like "$.id", got 5",
        "11:32: "capture" on an "out" entry needs "waitFor" or "waitForJson": it reads the client message that satisfies the wait",
        "12:36: "capture" reads JSON text messages; an entry expecting "binary" cannot capture",
      ]
    `)
  })

  test('entries built in code must hold JSON values; they are copied, not shared', () => {
    expect(() => compileEntries([{ ts: 0, dir: 'in', json: { n: Number.NaN } } as unknown as ReplayEntry])).toThrow(
      '"json" must be a JSON value (an object subset, array or scalar): json.n is NaN, which JSON cannot represent',
    )
    const json = { type: 'a' }
    const capture = { id: '$.id' }
    const replay = compileEntries([{ ts: 0, dir: 'in', json, capture }])
    json.type = 'b'
    capture.id = '$.other'
    expect(replay.steps[0]?.entry).toEqual({ ts: 0, dir: 'in', json: { type: 'a' }, capture: { id: '$.id' } })
  })

  test('toJSONL writes the fields in canonical order, and reads back the same', () => {
    const entries: ReplayEntry[] = [
      { capture: { id: '$.id' }, json: { type: 'subscribe' }, dir: 'in', ts: 0, timeoutMs: 50 },
      { waitForJson: { ok: true }, text: 'x', dir: 'out', ts: 1, capture: { v: '$.v' } },
    ]
    const text = toJSONL(entries)
    expect(text).toBe(
      '{"ts":0,"dir":"in","json":{"type":"subscribe"},"capture":{"id":"$.id"},"timeoutMs":50}\n' +
        '{"ts":1,"dir":"out","text":"x","waitForJson":{"ok":true},"capture":{"v":"$.v"}}\n',
    )
    expect(toJSONL(parseReplay(text))).toBe(text)
  })

  test('the path syntax: $, .name, ["name"], [index]; a missing step reads nothing', () => {
    const message = { a: [{ 'b-c': 'x' }], n: 0 }
    const read = (path: string): unknown => {
      const parsed = parseCapturePath(path)
      if (!parsed.ok) throw new Error(parsed.problem.message)
      return readCapturePath(message, parsed.path)
    }
    expect([read('$'), read('$.a[0]["b-c"]'), read('$.n'), read('$.a[1]'), read('$.n.x'), read('$.a.length'), read('$.constructor')]).toEqual([
      message,
      'x',
      0,
      undefined,
      undefined,
      undefined,
      undefined,
    ])
  })
})

describe('json, waitForJson and capture: playing', () => {
  test('json entries match as deep subsets and capture values (strings as-is, others as JSON)', async () => {
    const ws = await mockWs({ strict: true }).replay(
      [
        '{"ts":0,"dir":"in","json":{"type":"subscribe","payload":{"q":"prices"}},"capture":{"id":"$.id","n":"$.payload.n","obj":"$.payload.o","none":"$.missing"}}',
        '{"ts":0,"dir":"out","text":"{\\"id\\":\\"{{match.id}}\\",\\"n\\":{{match.n}},\\"o\\":{{match.obj}},\\"none\\":\\"{{match.none}}\\"}"}',
      ].join('\n'),
    )
    const c = await client(ws.url)
    c.send(JSON.stringify({ id: 'op-7', type: 'subscribe', payload: { q: 'prices', n: 3, o: { deep: [1] } } }))
    expect(JSON.parse((await c.next()) as string)).toEqual({ id: 'op-7', n: 3, o: { deep: [1] }, none: '' })
    expect(ws.failures).toEqual([])
  })

  test('a json entry rejects a message whose nesting differs, and non-JSON text', async () => {
    const ws = await mockWs().replay('{"ts":0,"dir":"in","json":{"a":{"b":1}},"timeoutMs":3000}\n{"ts":0,"dir":"out","text":"ok"}\n')
    const c = await client(ws.url)
    c.send('{"a":{},"c":{"b":1}}')
    c.send('not json')
    c.send('{"a":{"b":1,"extra":2},"z":0}')
    expect(await c.next()).toBe('ok')
    expect(ws.failures.map((f) => [f.kind, f.expected, f.actual])).toEqual([
      ['unexpected-message', 'json {"a":{"b":1}}', '"{\\"a\\":{},\\"c\\":{\\"b\\":1}}"'],
      ['unexpected-message', 'json {"a":{"b":1}}', '"not json"'],
    ])
  })

  test('waitForJson skips other messages and captures from the one it waits for', async () => {
    const ws = await mockWs({ strict: true, unexpected: 'ignore' }).replay(
      '{"ts":0,"dir":"out","text":"hello {{match.who}}","waitForJson":{"type":"hello"},"capture":{"who":"$.from"}}\n',
    )
    const c = await client(ws.url)
    c.send('{"type":"noise","from":"x"}')
    c.send('{"type":"hello","from":"ada"}')
    expect(await c.next()).toBe('hello ada')
  })

  test('expect(object) compiles to json and fromReplay reads json, waitForJson and capture back', () => {
    const s = new Scenario()
      .expect({ type: 'subscribe' }, { capture: { id: '$.id' } })
      .waitFor({ ready: true })
      .send('{{match.id}}')
    expect(s.toJSONL()).toBe(
      '{"ts":0,"dir":"in","json":{"type":"subscribe"},"capture":{"id":"$.id"}}\n' + '{"ts":0,"dir":"out","text":"{{match.id}}","waitForJson":{"ready":true}}\n',
    )
    expect(Scenario.fromReplay(s.toJSONL()).toReplay()).toEqual(s.toReplay())
    const scalar = '{"ts":0,"dir":"in","json":[1,2]}\n'
    expect(Scenario.fromReplay(scalar).toJSONL()).toBe(scalar)
  })
})
