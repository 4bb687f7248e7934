import WebSocket from 'ws'
import { expect, test } from '../../../src/integrations/vitest.js'

test('nextMessage() and toReceiveMessage take each client message once', async ({ mockWs }) => {
  const ws = await mockWs()
  const client = new WebSocket(ws.url)
  client.on('open', () => {
    client.send('hello')
    client.send('{"type":"subscribe"}')
  })

  expect(await ws.nextMessage()).toBe('hello') // takes the oldest message
  await expect(ws).toReceiveMessage({ type: 'subscribe' }) // takes the next one
  await expect(ws).not.toReceiveMessage('hello', { timeout: 50 }) // nextMessage() took it
  expect(ws).toHaveReceivedMessages(['hello', { type: 'subscribe' }]) // history: taken or not
})
