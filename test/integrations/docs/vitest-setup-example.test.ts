import { expect, test } from 'vitest'
import '../../../src/integrations/vitest-setup.js'
import { mockWs } from '../../../src/index.js'
import WebSocket from 'ws'

test('plain imports, with the setup file registered', async () => {
  const ws = await mockWs()
  const client = new WebSocket(ws.url)
  client.on('open', () => client.send('READY'))
  await expect(ws).toReceiveMessage('READY')
  expect(ws).toHaveReceivedMessages(['READY'])
})
