import { describe, expect, it } from 'vitest'
import { CORRELATE_MAX_VALUES_PER_MESSAGE } from '../../src/constants.js'
import {
  isCorrelatable,
  isVolatileValue,
  MATCH_ANY_FRAME,
  parseJsonPath,
  recordingToReplay,
  resolveRecordTransform,
  type RecordedFrame,
} from '../../src/replay/record-transform.js'

const AT = Date.parse('2026-12-01T09:00:00Z')
const UUID_A = '2b8c1f62-8a0e-4f57-9b1c-3b8e6f0d2a11'
const UUID_B = '9d0e7c55-1f2a-4b3c-8d4e-5f6a7b8c9d0e'

const inn = (ts: number, text: string): RecordedFrame => ({ ts, dir: 'in', text })
const out = (ts: number, text: string): RecordedFrame => ({ ts, dir: 'out', text })

describe('recordingToReplay: JSON client messages (inbound: json)', () => {
  it('turns a graphql-ws subscription into json entries whose id is captured and echoed as {{match.id}}', () => {
    const query = 'subscription { greetings }'
    const entries = recordingToReplay(
      [
        inn(0, '{"type":"connection_init"}'),
        out(2, '{"type":"connection_ack"}'),
        inn(3, JSON.stringify({ id: UUID_A, type: 'subscribe', payload: { query } })),
        out(5, `{"id":"${UUID_A}","type":"next","payload":{"data":{"greetings":"Hi"}}}`),
        out(6, `{"id":"${UUID_A}","type":"complete"}`),
      ],
      {},
      { recordedAt: AT },
    )
    expect(entries).toEqual([
      { ts: 0, dir: 'in', json: { type: 'connection_init' } },
      { ts: 2, dir: 'out', text: '{"type":"connection_ack"}' },
      { ts: 3, dir: 'in', json: { type: 'subscribe', payload: { query } }, capture: { id: '$.id' } },
      { ts: 5, dir: 'out', text: '{"id":"{{match.id}}","type":"next","payload":{"data":{"greetings":"Hi"}}}' },
      { ts: 6, dir: 'out', text: '{"id":"{{match.id}}","type":"complete"}' },
    ])
  })

  it('gives every distinct value its own name, so an early id is still right after a later one', () => {
    const entries = recordingToReplay(
      [
        inn(0, `{"id":"${UUID_A}","type":"subscribe"}`),
        inn(1, `{"id":"${UUID_B}","type":"subscribe"}`),
        out(2, `{"id":"${UUID_A}","type":"next"}`),
        out(3, `{"id":"${UUID_B}","type":"next"}`),
        inn(4, `{"id":"${UUID_A}","type":"complete"}`),
      ],
      {},
      { recordedAt: AT },
    )
    expect(entries.map((e) => e.capture ?? e.text ?? e.json)).toEqual([
      { id: '$.id' },
      { id2: '$.id' },
      '{"id":"{{match.id}}","type":"next"}',
      '{"id":"{{match.id2}}","type":"next"}',
      { type: 'complete' },
    ])
  })

  it('correlates numbers and values inside longer strings, and leaves short or server-chosen values alone', () => {
    const entries = recordingToReplay(
      [
        out(0, '{"session":"srv-55d0c9e2"}'),
        inn(1, '{"op":"join","session":"srv-55d0c9e2","seq":7,"ref":"c0ffee-42","req":48151623}'),
        out(2, '{"ack":48151623,"topic":"room/c0ffee-42/7","session":"srv-55d0c9e2","n":7}'),
      ],
      {},
      { recordedAt: AT },
    )
    expect(entries[1]).toEqual({ ts: 1, dir: 'in', json: { op: 'join', session: 'srv-55d0c9e2', seq: 7 }, capture: { ref: '$.ref', req: '$.req' } })
    expect(entries[2]?.text).toBe('{"ack":{{match.req}},"topic":"room/{{match.ref}}/7","session":"srv-55d0c9e2","n":7}')
  })

  it('leaves volatile values out with the defaults, keeps them with volatile: none, and drops ignored paths', () => {
    const frames = [inn(0, JSON.stringify({ type: 'hello', at: AT - 5, nonce: UUID_A, when: '2026-12-01T08:59:59.120Z', meta: { ts: AT } })), out(1, '{"ok":true}')]
    expect(recordingToReplay(frames, {}, { recordedAt: AT })[0]).toEqual({ ts: 0, dir: 'in', json: { type: 'hello', meta: {} } })
    expect(recordingToReplay(frames, { volatile: 'none' }, { recordedAt: AT })[0]?.json).toEqual(JSON.parse(frames[0]?.text ?? ''))
    expect(recordingToReplay(frames, { volatile: 'none', ignore: ['$.at', '$.nonce', '$.when', '$.meta'] }, { recordedAt: AT })[0]?.json).toEqual({ type: 'hello' })
  })

  it('does not take fixed dates far from the recording time for generated ones', () => {
    const entries = recordingToReplay([inn(0, '{"born":1500000000000,"day":"2020-01-01"}')], {}, { recordedAt: AT })
    expect(entries[0]?.json).toEqual({ born: 1500000000000, day: '2020-01-01' })
  })

  it('drops a whole array whose element varies (arrays match by length), inside objects', () => {
    const entries = recordingToReplay([inn(0, JSON.stringify({ type: 'batch', ids: ['x', UUID_A], tags: ['a'] }))], {}, { recordedAt: AT })
    expect(entries[0]?.json).toEqual({ type: 'batch', tags: ['a'] })
  })

  it('matches a top-level array with a varying element by a regex over its text, capturing echoed values', () => {
    const text = JSON.stringify(['subscribe', UUID_A, { room: 1 }])
    const entries = recordingToReplay([inn(0, text), out(1, `["subscribed","${UUID_A}"]`)], {}, { recordedAt: AT })
    const match = entries[0]?.match ?? ''
    expect(entries[0]).toEqual({ ts: 0, dir: 'in', match })
    const fresh = new RegExp(match).exec(JSON.stringify(['subscribe', UUID_B, { room: 1 }]))
    expect(fresh?.groups).toEqual({ value: UUID_B })
    expect(new RegExp(match).test(JSON.stringify(['subscribe', UUID_B, { room: 2 }]))).toBe(false)
    expect(entries[1]?.text).toBe('["subscribed","{{match.value}}"]')
  })
})

describe('recordingToReplay: text protocols, literal server text, other modes', () => {
  it('turns a STOMP receipt header into a named group and {{match.receipt}} in the RECEIPT frame', () => {
    const send = 'SEND\ndestination:/queue/a\nreceipt:r-8f3a2b1c\ncontent-length:2\n\nhi\u0000'
    const entries = recordingToReplay([inn(0, send), out(1, 'RECEIPT\nreceipt-id:r-8f3a2b1c\n\n\u0000')], {}, { recordedAt: AT })
    const match = entries[0]?.match ?? ''
    expect(new RegExp(match).exec(send.replace('r-8f3a2b1c', 'r-77aa01'))?.groups).toEqual({ receipt: 'r-77aa01' })
    expect(new RegExp(match).test(send.replace('/queue/a', '/queue/b'))).toBe(false)
    expect(entries[1]).toEqual({ ts: 1, dir: 'out', text: 'RECEIPT\nreceipt-id:{{match.receipt}}\n\n\u0000' })
  })

  it('keeps plain text exact, and replaces volatile tokens in text by holes', () => {
    const entries = recordingToReplay([inn(0, 'hello'), inn(1, `PING ${AT} ${UUID_A}`)], {}, { recordedAt: AT })
    expect(entries[0]).toEqual({ ts: 0, dir: 'in', text: 'hello' })
    expect(new RegExp(entries[1]?.match ?? '').test(`PING ${AT + 900} ${UUID_B}`)).toBe(true)
    expect(new RegExp(entries[1]?.match ?? '').test(`PONG ${AT + 900} ${UUID_B}`)).toBe(false)
  })

  it('escapes {{ in recorded server text next to the tokens it inserts', () => {
    const entries = recordingToReplay(
      [inn(0, `{"id":"${UUID_A}"}`), out(1, `{"id":"${UUID_A}","tpl":"{{name}} and {{uuid}}"}`), out(2, 'raw {{now}}')],
      {},
      { recordedAt: AT },
    )
    expect(entries[1]?.text).toBe('{"id":"{{match.id}}","tpl":"\\{{name}} and \\{{uuid}}"}')
    expect(entries[2]?.text).toBe('raw \\{{now}}')
  })

  it("inbound: 'exact' keeps today's entries; 'any' lets any frame satisfy a step; binary frames are never correlated", () => {
    const bin = new Uint8Array([0x82, 0x0a, 0x12, 0x34])
    const frames: RecordedFrame[] = [inn(0, `{"id":"${UUID_A}"}`), { ts: 1, dir: 'in', binary: bin }, out(2, `{"id":"${UUID_A}"}`), { ts: 3, dir: 'out', binary: bin }]
    expect(recordingToReplay(frames, { inbound: 'exact' }, { recordedAt: AT })).toEqual([
      { ts: 0, dir: 'in', text: `{"id":"${UUID_A}"}` },
      { ts: 1, dir: 'in', binary: 'ggoSNA==' },
      { ts: 2, dir: 'out', text: `{"id":"${UUID_A}"}` },
      { ts: 3, dir: 'out', binary: 'ggoSNA==' },
    ])
    expect(recordingToReplay(frames, { inbound: 'any' }, { recordedAt: AT }).slice(0, 2)).toEqual([
      { ts: 0, dir: 'in', match: MATCH_ANY_FRAME },
      { ts: 1, dir: 'in', match: MATCH_ANY_FRAME },
    ])
    expect(recordingToReplay(frames, {}, { recordedAt: AT })[1]).toEqual({ ts: 1, dir: 'in', binary: 'ggoSNA==' })
  })

  it('correlate: false keeps server text as recorded (escaped) and the json entries without captures', () => {
    const entries = recordingToReplay([inn(0, `{"ref":"c0ffee-42","t":"a"}`), out(1, '{"ref":"c0ffee-42"}')], { correlate: false }, { recordedAt: AT })
    expect(entries).toEqual([
      { ts: 0, dir: 'in', json: { ref: 'c0ffee-42', t: 'a' } },
      { ts: 1, dir: 'out', text: '{"ref":"c0ffee-42"}' },
    ])
  })

  it("writes a server's close, not the client's, with non-decreasing whole-ms times", () => {
    const entries = recordingToReplay([inn(0.4, 'a'), { ts: 3.6, dir: 'out', close: { code: 4000, reason: 'bye' } }, { ts: 2, dir: 'in', close: { code: 1000 } }])
    expect(entries).toEqual([
      { ts: 0, dir: 'in', text: 'a' },
      { ts: 4, dir: 'out', close: { code: 4000, reason: 'bye' } },
    ])
  })
})

describe('recordingToReplay: bounds', () => {
  it('correlates at most CORRELATE_MAX_VALUES_PER_MESSAGE values of one message, and still matches the message', () => {
    const ids = Array.from({ length: 300 }, (_, i) => `id-${100000 + i}`)
    const keyed = Object.fromEntries(ids.map((id, i) => [`k${i}`, id]))
    const entries = recordingToReplay([inn(0, JSON.stringify(keyed)), out(1, ids.join(','))], {}, { recordedAt: AT })
    expect(Object.keys(entries[0]?.capture ?? {})).toHaveLength(CORRELATE_MAX_VALUES_PER_MESSAGE)
    expect(Object.keys(entries[0]?.json ?? {})).toHaveLength(300 - CORRELATE_MAX_VALUES_PER_MESSAGE)
    expect((entries[1]?.text ?? '').split(',').filter((t) => t.startsWith('{{match.'))).toHaveLength(CORRELATE_MAX_VALUES_PER_MESSAGE)
  })
})

describe('record options', () => {
  it('reports every bad option at once', () => {
    expect(() => resolveRecordTransform({ inbound: 'text' as 'json', correlate: 'yes' as unknown as boolean, ignore: ['id', '$.ok'], volatile: 'some' as 'auto' }))
      .toThrowErrorMatchingInlineSnapshot(`[MockWsError: Failed to configure record options: inbound must be one of 'json', 'exact', 'any', got "text"; correlate must be true or false, got "yes"; volatile must be 'auto' or 'none', got "some"; ignore[0] "id" is not a JSON path like $.payload.ts. See docs/proxy-and-record.md (Recordings that replay against real clients).]`)
  })

  it('parses JSON paths with keys, indexes, quoted keys and wildcards', () => {
    expect(parseJsonPath(`$.a[2]["b c"].*['d']`)).toEqual([{ key: 'a' }, { index: 2 }, { key: 'b c' }, { any: true }, { key: 'd' }])
    expect(() => parseJsonPath('$.a..b')).toThrow(/unexpected "..b" at offset 3/)
  })

  it('documents what counts as generated and what can be correlated', () => {
    expect([UUID_A, '2026-12-01T09:00:00Z', AT, Math.round(AT / 1000), String(AT)].map((v) => isVolatileValue(v, AT))).toEqual([true, true, true, true, true])
    expect(['2020-01-01', 42, 'hello', AT + 3 * 86_400_000].map((v) => isVolatileValue(v, AT))).toEqual([false, false, false, false])
    expect(['sub-8f3a2b1c', UUID_A, 'aBcDeFgHiJkLmNoPq', 123456].map(isCorrelatable)).toEqual([true, true, true, true])
    expect(['sub-0', 'prices', 'subscribe', 'hello world 12345', 99999, 1.5].map(isCorrelatable)).toEqual([false, false, false, false, false, false])
  })
})
