import { afterEach, describe, expect, it, vi } from 'vitest'
import { MAX_FAILURES } from '../../src/constants.js'
import { closeAllMocks, mockWs } from '../../src/index.js'
import { toMswHandler } from '../../src/integrations/msw.js'
import { ScenarioFailureError } from '../../src/server/mock-ws.js'
import { connectGlobal } from '../msw/support/global-client.js'
import { useMswServer } from '../msw/support/msw-node.js'
import { connectClient } from '../support/client.js'

afterEach(() => closeAllMocks())
const msw = useMswServer()

/** Far more non-matching messages than failures are kept. */
const FLOOD = 20_000
const WAITS_FOR_EVER = '{"ts":0,"dir":"in","text":"the one message","timeoutMs":600000}'

describe('failures are bounded (item 5)', () => {
  it(`a ws mock keeps the first ${MAX_FAILURES} failures of ${FLOOD} and says how many were dropped`, async () => {
    const ws = await mockWs({ strict: true }).replay(WAITS_FOR_EVER)
    const client = await connectClient(ws.url)
    for (let i = 0; i < FLOOD; i++) client.send(`wrong ${i}`)
    await vi.waitFor(() => expect(ws.metrics.messagesIn).toBe(FLOOD), { timeout: 20_000, interval: 20 })
    expect(ws.failures).toHaveLength(MAX_FAILURES)
    expect(ws.failures[0]?.actual).toBe('"wrong 0"')
    expect(ws.failures.at(-1)?.actual).toBe(`"wrong ${MAX_FAILURES - 1}"`)
    expect(ws.metrics.failuresDropped).toBe(FLOOD - MAX_FAILURES)
    await client.close()
    const error = await ws.close().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ScenarioFailureError)
    // The client's close may add one more failure (the step never ran), counted as dropped too.
    expect((error as Error).message.split('\n')[0]).toMatch(/^mockforge-ws: 2000[01] scenario failures \(only the first 1000 are kept; 1900[01] more were dropped\)$/)
  })

  it('an MSW mock is bounded the same way', async () => {
    const chat = await toMswHandler('wss://flood.example/ws', WAITS_FOR_EVER, { strict: true })
    msw.server.use(chat.handler)
    const client = await connectGlobal('wss://flood.example/ws')
    for (let i = 0; i < FLOOD; i++) client.send(`wrong ${i}`)
    await vi.waitFor(() => expect(chat.metrics.messagesIn).toBe(FLOOD), { timeout: 20_000, interval: 20 })
    expect(chat.failures).toHaveLength(MAX_FAILURES)
    // MSW delivers the flood at once, so the script's inbox bound (MAX_INBOX_MESSAGES) drops some first.
    expect(chat.metrics.failuresDropped).toBeGreaterThan(0)
    await client.close()
    const error = await chat.close().catch((e: unknown) => e)
    expect((error as Error).message.split('\n')[0]).toMatch(/^mockforge-ws: \d+ scenario failures \(only the first 1000 are kept; \d+ more were dropped\)$/)
  })
})
