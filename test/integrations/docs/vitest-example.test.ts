import WebSocket from 'ws'
import { expect, test } from '../../../src/integrations/vitest.js'

test('the client subscribes after the welcome', async ({ mockWs }) => {
  const ws = await mockWs()
    .send('{"type":"welcome"}')
    .expect({ type: 'subscribe' })
    .send('{"type":"price","value":42}')

  // The code under test connects to ws.url.
  const client = new WebSocket(ws.url)
  client.on('message', (data) => {
    if (JSON.parse(String(data)).type === 'welcome') client.send('{"type":"subscribe","symbol":"ACME"}')
  })

  await expect(ws).toReceiveMessage({ type: 'subscribe', symbol: 'ACME' })
  expect(ws).toHaveConnections(1)
  await expect.poll(() => ws.sent.length).toBe(2)
  expect(ws).toHaveSentMessage({ type: 'price' })
  expect(ws).toHaveNoFailures()
  // No close(): the fixture closes the mock (and the client with it) after the test.
})
