const WebSocket = require('ws')
const { mockWs } = require('mockforge-ws')

test('the client says hello and gets a welcome', async () => {
  const ws = await mockWs().expect('hello').send('{"type":"welcome"}')

  const client = new WebSocket(ws.url)
  const welcome = new Promise((resolve) => client.once('message', (data) => resolve(JSON.parse(String(data)))))
  client.on('open', () => client.send('hello'))

  expect(await welcome).toEqual({ type: 'welcome' })
  await expect(ws).toReceiveMessage('hello')
  expect(ws).toHaveSentMessage({ type: 'welcome' })
  expect(ws).toHaveNoFailures()
  // No close(): mockforge-ws/jest closes every mock after each test.
})
