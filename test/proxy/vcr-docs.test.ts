import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseReplay } from '../../src/replay/parse.js'
import { toJSONL } from '../../src/replay/serialize.js'
import { recordingToReplay, type RecordedFrame } from '../../src/replay/record-transform.js'
import { fromHar } from '../../src/replay/from-har.js'
import { mockWs } from '../../src/server/builder.js'

const DOC = readFileSync(new URL('../../docs/proxy-and-record.md', import.meta.url), 'utf8')
const VCR = DOC.slice(DOC.indexOf('## Recordings that replay against real clients (VCR)'), DOC.indexOf('## Mountable router'))

function blocks(lang: string): string[] {
  return [...VCR.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1] ?? '')
}

const UUID = '2b8c1f62-8a0e-4f57-9b1c-3b8e6f0d2a11'

describe('docs/proxy-and-record.md: the VCR section', () => {
  const [graphql = '', stomp = ''] = blocks('jsonl')

  it('shows what the record transform writes for a graphql-ws subscription', () => {
    const query = 'subscription { greetings }'
    const frames: RecordedFrame[] = [
      { ts: 0, dir: 'in', text: '{"type":"connection_init"}' },
      { ts: 2, dir: 'out', text: '{"type":"connection_ack"}' },
      { ts: 3, dir: 'in', text: JSON.stringify({ id: UUID, type: 'subscribe', payload: { query } }) },
      { ts: 5, dir: 'out', text: `{"id":"${UUID}","type":"next","payload":{"data":{"greetings":"Hi"}}}` },
      { ts: 6, dir: 'out', text: `{"id":"${UUID}","type":"complete"}` },
    ]
    expect(toJSONL(recordingToReplay(frames))).toBe(graphql)
    expect(parseReplay(graphql).steps).toHaveLength(5)
  })

  it('shows what it writes for a STOMP receipt', () => {
    const frames: RecordedFrame[] = [
      { ts: 0, dir: 'in', text: 'SEND\ndestination:/queue/a\nreceipt:rcpt-4f8a91d2\ncontent-length:2\n\nhi\u0000' },
      { ts: 1, dir: 'out', text: 'RECEIPT\nreceipt-id:rcpt-4f8a91d2\n\n\u0000' },
    ]
    expect(toJSONL(recordingToReplay(frames))).toBe(stomp)
    expect(parseReplay(stomp).steps[0]?.match?.exec('SEND\ndestination:/queue/a\nreceipt:rcpt-00aa11bb\ncontent-length:2\n\nhi\u0000')?.groups).toEqual({ receipt: 'rcpt-00aa11bb' })
  })

  it('prints the option error it shows', () => {
    const shown = VCR.split('```\n')[1]?.trim()
    expect(() => mockWs().record({ inbound: 'text' as 'json', ignore: ['id'] })).toThrow(shown)
  })

  it('its fromHar example replays the fixture', async () => {
    const entries = fromHar('test/fixtures/devtools-chat.har', { url: 'ws://localhost:8080/chat' })
    const ws = await mockWs({ strict: true }).replay(entries)
    await ws.close()
    expect(entries).toHaveLength(7)
  })
})
