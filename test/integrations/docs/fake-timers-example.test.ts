import { afterEach, expect, test, vi } from 'vitest'
import WebSocket from 'ws'
import { mockWs } from '../../../src/index.js'

afterEach(() => {
  vi.useRealTimers()
})

test('a one-minute heartbeat, tested in no time', async () => {
  vi.useFakeTimers()
  vi.setSystemTime(Date.UTC(2030, 0, 1))
  const ws = await mockWs({ clock: 'fake' }).send('hello').delay(60_000).send('{"type":"heartbeat","at":"{{now}}"}')

  const client = new WebSocket(ws.url)
  const messages: string[] = []
  client.on('message', (data) => messages.push(String(data)))
  await ws.connected
  await vi.waitFor(() => expect(messages).toEqual(['hello']))

  await vi.advanceTimersByTimeAsync(60_000) // releases delay(60_000)
  await vi.waitFor(() => expect(messages).toHaveLength(2))
  expect(JSON.parse(messages[1] ?? '')).toEqual({ type: 'heartbeat', at: '2030-01-01T00:01:00.000Z' })

  client.close()
  await ws.close() // completes without advancing the clock
})
