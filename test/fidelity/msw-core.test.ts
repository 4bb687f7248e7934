// Issue #14 items 1 and 4 through the MSW adapter (the same player as the real-socket mock).
import { describe, expect, test, vi } from 'vitest'
import { toMswHandler } from '../../src/integrations/msw.js'
import { Scenario } from '../../src/scenario/scenario.js'
import { connectGlobal } from '../msw/support/global-client.js'
import { useMswServer } from '../msw/support/msw-node.js'

const msw = useMswServer()
let n = 0
const nextUrl = (): string => `wss://fid-core-${++n}.example/ws`

describe('the MSW adapter', () => {
  test('captures the named groups of a builder RegExp (1)', async () => {
    const url = nextUrl()
    const chat = await toMswHandler(url, new Scenario().waitFor(/^join (?<room>\w+)$/).send('in {{match.room}}'), { strict: true })
    msw.server.use(chat.handler)
    const client = await connectGlobal(url)
    client.send('join kitchen')
    expect(await client.next()).toBe('in kitchen')
    await client.close()
  })

  test('matches the messages a client sent right before closing, then reports the close (4)', async () => {
    const url = nextUrl()
    const chat = await toMswHandler(url, '{"ts":0,"dir":"in","text":"a"}\n{"ts":0,"dir":"in","text":"b"}\n', { strict: true })
    msw.server.use(chat.handler)
    const client = await connectGlobal(url)
    client.send('a')
    client.send('b')
    await client.close()
    await vi.waitFor(() => expect(chat.metrics.connectionsActive).toBe(0))
    expect(chat.failures).toEqual([])
  })
})
