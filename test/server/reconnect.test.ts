// The reconnect recipe of docs/reconnect.md, with a real reconnecting client (partysocket) in Node.
import ReconnectingWebSocket from 'partysocket/ws'
import WebSocket from 'ws'
import { afterEach, expect, it } from 'vitest'
import { closeAllMocks, mockWs } from '../../src/index.js'

afterEach(() => closeAllMocks())

it('a reconnecting client comes back after the mock drops it, and resubscribes', async () => {
  const ws = await mockWs().expect({ type: 'subscribe' }).send('{"type":"price","price":1}')
  const prices: string[] = []
  const client = new ReconnectingWebSocket(ws.url, [], { WebSocket, minReconnectionDelay: 10, maxReconnectionDelay: 50 })
  client.addEventListener('open', () => client.send(JSON.stringify({ type: 'subscribe' })))
  client.addEventListener('message', (event) => prices.push(String(event.data)))

  const first = await ws.nextConnection()
  await expect.poll(() => prices).toEqual(['{"type":"price","price":1}'])
  ws.dropAll() // like a network failure: no close frame, the client sees 1006

  const second = await ws.nextConnection()
  expect(second.id).toBe(first.id + 1)
  // Each connection runs the scenario afresh: the client resubscribed and got a price again.
  await expect.poll(() => prices).toHaveLength(2)
  expect(ws.failures).toEqual([])
  expect(ws.received.map((f) => `${f.connection} ${f.text}`)).toEqual([`${first.id} {"type":"subscribe"}`, `${second.id} {"type":"subscribe"}`])
  client.close()
  await second.closed
})
