import { afterEach, expect, test } from 'vitest'
import WebSocket from 'ws'
import { closeAllMocks, mockWs } from 'mockforge-ws'

afterEach(() => closeAllMocks())

test('the client subscribes after the welcome', async () => {
  const ws = await mockWs()
    .send('{"type":"welcome","sessionId":"{{uuid}}"}')
    .expect({ type: 'subscribe' })
    .send('{"type":"price","value":{{randInt 90 110}}}')

  const client = new WebSocket(ws.url) // point the code under test at ws.url
  const prices: number[] = []
  client.on('message', (data) => {
    const msg = JSON.parse(String(data))
    if (msg.type === 'welcome') client.send('{"type":"subscribe"}')
    if (msg.type === 'price') prices.push(msg.value)
  })

  expect(await ws.nextMessage()).toBe('{"type":"subscribe"}')
  await expect.poll(() => prices.length).toBe(1)
  expect(prices[0]).toBeGreaterThanOrEqual(90)
  expect(ws.failures).toEqual([])
})
