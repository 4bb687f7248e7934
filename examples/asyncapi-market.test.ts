import { afterEach, expect, test } from 'vitest'
import WebSocket from 'ws'
import { closeAllMocks, mockWs } from 'mockforge-ws'

afterEach(() => closeAllMocks())

// The first parse of a document takes seconds (see Cost below), hence the longer timeout.
test('the client speaks the documented protocol', { timeout: 60_000 }, async () => {
  const ws = await mockWs().asyncApi('examples/asyncapi-market.yaml', { channel: 'market' })
  // listens at /v1/markets/{symbol}: server pathname + channel address, {symbol} = any one segment

  const client = new WebSocket(`ws://127.0.0.1:${ws.port}/v1/markets/BTC-USD`)
  const received: { type: string }[] = []
  client.on('message', (data) => received.push(JSON.parse(String(data))))
  await new Promise((resolve) => client.once('open', resolve))
  client.send(JSON.stringify({ type: 'subscribe', channels: [{ name: 'trades' }] })) // fits
  client.send(JSON.stringify({ type: 'subscribe', channels: [{ name: 'candles' }] })) // does not

  await expect.poll(() => received.map((m) => m.type)).toEqual(['welcome', 'trade', 'trade'])
  await expect.poll(() => ws.failures.length).toBe(1)
  expect(ws.failures[0]).toMatchObject({
    kind: 'schema-mismatch',
    schema: { pointer: '/channels/0/name', error: 'must be equal to one of the allowed values ("trades", "book")' },
  })
  client.close()
})
