// The example of docs/intercept.md: the module under test keeps its production URL.
import { afterEach, expect, it } from 'vitest'
import { closeAllMocks, mockWs } from '../../src/index.js'
// @ts-expect-error a plain ESM module under test, without types
import { firstMessage } from '../fixtures/intercept/feed-client.mjs'

afterEach(() => closeAllMocks()) // also undoes intercept()

it('the feed client talks to the mock through its hardcoded wss:// URL', async () => {
  const ws = await mockWs().expect({ type: 'subscribe' }).send('{"type":"price","price":101}')
  ws.intercept('wss://api.example.com/feed')

  expect(await (firstMessage as () => Promise<string>)()).toBe('{"type":"price","price":101}')
  const conn = ws.connections[0] ?? (await ws.nextConnection())
  expect(conn.originalUrl).toBe('wss://api.example.com/feed?token=abc')
})
