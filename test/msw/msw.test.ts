import { describe, expect, test } from 'vitest'
import '../../src/integrations/vitest.js'
import { Scenario } from '../../src/scenario/scenario.js'
import { toMswHandler } from '../../src/integrations/msw.js'
import { connectGlobal } from './support/global-client.js'
import { useMswServer } from './support/msw-node.js'

const msw = useMswServer()
let n = 0
/** A fresh URL per test so handlers of earlier tests never match. */
const nextUrl = (): string => `wss://msw-${++n}.example/ws`

describe('toMswHandler in Node (setupServer + global WebSocket)', () => {
  test('echoes without a script and keeps the MockWs bookkeeping', async () => {
    const url = nextUrl()
    const chat = await toMswHandler(url)
    msw.server.use(chat.handler)
    const client = await connectGlobal(`${url}?room=1`, ['chat.v1', 'chat.v2'])
    const conn = await chat.nextConnection()
    expect(conn.id).toBe(1)
    expect(conn.url).toBe('/ws?room=1')
    expect(conn.href).toBe(`${url}?room=1`)
    expect(conn.protocol).toBe('chat.v1')
    expect(client.socket.protocol).toBe('chat.v1')
    expect(await chat.connected).toBe(conn)
    client.send('hello')
    expect(await client.next()).toBe('hello')
    expect(await chat.nextMessage()).toBe('hello')
    expect(chat.connections).toEqual([conn])
    expect(chat.transcript.map((f) => [f.dir, f.text])).toEqual([
      ['in', 'hello'],
      ['out', 'hello'],
    ])
    expect(chat.metrics).toMatchObject({ connectionsActive: 1, connectionsTotal: 1, messagesIn: 1, messagesOut: 1, bytesIn: 5, bytesOut: 5 })
    await client.close(4000, 'done')
    expect(await conn.closed).toEqual({ code: 4000, reason: 'done' })
    expect(chat.connections).toEqual([])
    expect(chat.transcript.at(-1)).toMatchObject({ dir: 'in', close: { code: 4000, reason: 'done' } })
  })
})
