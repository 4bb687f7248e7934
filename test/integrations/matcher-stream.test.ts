// toReceiveMessage over the session's message stream: woken by the message (no polling), one claim rule shared
// with nextMessage() on a real socket and through MSW, and a timeout that still reports what was seen.
import { describe, vi } from 'vitest'
import { toMswHandler } from '../../src/integrations/msw.js'
import { expect, test } from '../../src/integrations/vitest.js'
import { connectClient, type TestClient } from '../support/client.js'
import { connectGlobal } from '../msw/support/global-client.js'
import { useMswServer } from '../msw/support/msw-node.js'
import { failureOf } from './support.js'

// Captured before any test fakes the timers: one real turn of the event loop, to look at a promise's state.
const realSetImmediate = globalThis.setImmediate

/** The promise's state after one real event-loop turn (the fake clock is not advanced). */
async function stateAfterATurn<T>(promise: Promise<T>): Promise<'pending' | 'resolved' | 'rejected'> {
  const settled = promise.then(
    () => 'resolved' as const,
    () => 'rejected' as const,
  )
  return Promise.race([settled, new Promise<'pending'>((resolve) => realSetImmediate(() => resolve('pending')))])
}

async function sendAll(client: TestClient, ...messages: string[]): Promise<void> {
  for (const m of messages) {
    client.send(m)
    await client.next()
  }
}

const msw = useMswServer()

describe('toReceiveMessage is event-driven', () => {
  test('resolves on the push that satisfies it, with zero fake-timer advance', async ({ mockWs }) => {
    const ws = await mockWs({ clock: 'fake' })
    const client = await connectClient(ws.url)
    vi.useFakeTimers()
    try {
      const assertion = expect(ws).toReceiveMessage('hello', { timeout: 60_000 })
      client.send('noise')
      client.send('hello')
      // The echo of 'hello' reaching the client means the mock has received it (and pushed it to the stream).
      await client.next()
      await client.next()
      // Polling on the mock's (fake) clock would need the test to advance it; the push alone resolves the wait.
      expect(await stateAfterATurn(assertion)).toBe('resolved')
      // Its timeout timer was cleared when the message came.
      expect(vi.getTimerCount()).toBe(0)
    } finally {
      vi.useRealTimers()
    }
    await client.close()
  })

  test('.not fails on the push that matches it, with zero fake-timer advance', async ({ mockWs }) => {
    const ws = await mockWs({ clock: 'fake' })
    const client = await connectClient(ws.url)
    vi.useFakeTimers()
    try {
      const failure = failureOf(() => expect(ws).not.toReceiveMessage({ type: 'error' }, { timeout: 60_000 }))
      client.send('{"type":"error"}')
      await client.next()
      expect(await stateAfterATurn(failure)).toBe('resolved')
      expect(await failure).toContain('Received: "{"type":"error"}"')
    } finally {
      vi.useRealTimers()
    }
    await client.close()
  })
})

describe('nextMessage() and toReceiveMessage share one claim rule: each message is taken once', () => {
  test('a message nextMessage() returned does not satisfy a later toReceiveMessage, and the reverse', async ({ mockWs }) => {
    const ws = await mockWs()
    const client = await connectClient(ws.url)
    await sendAll(client, 'first', 'second', 'third')
    expect(await ws.nextMessage()).toBe('first')
    await expect(ws).not.toReceiveMessage('first', { timeout: 20 })
    await expect(ws).toReceiveMessage('third')
    // 'third' was claimed by the matcher: nextMessage() gets the oldest message nobody took.
    expect(await ws.nextMessage()).toBe('second')
    await expect(ws.nextMessage({ timeout: 20 })).rejects.toThrow('Timed out after 20 ms')
    // `.not` only watches: what it saw is still there for nextMessage().
    await sendAll(client, 'fourth')
    await expect(ws).not.toReceiveMessage('other', { timeout: 10 })
    await failureOf(() => expect(ws).not.toReceiveMessage('fourth', { timeout: 10 }))
    expect(await ws.nextMessage()).toBe('fourth')
    await client.close()
  })

  test('waiting consumers are served in the order they started', async ({ mockWs }) => {
    const ws = await mockWs()
    const client = await connectClient(ws.url)
    const next = ws.nextMessage()
    const assertion = failureOf(() => expect(ws).toReceiveMessage('ping', { timeout: 200 }))
    client.send('ping')
    expect(await next).toBe('ping')
    expect(await assertion).toContain('Received (not counting 1 already taken by toReceiveMessage or nextMessage): none')
    await client.close()
  })

  test('the same rule through MSW', async () => {
    const chat = await toMswHandler('wss://chat.example/ws')
    msw.server.use(chat.handler)
    const client = await connectGlobal(chat.url)
    client.send('first')
    client.send('second')
    expect(await chat.nextMessage()).toBe('first')
    await expect(chat).not.toReceiveMessage('first', { timeout: 20 })
    const assertion = expect(chat).toReceiveMessage('third')
    client.send('third')
    await assertion
    expect(await chat.nextMessage()).toBe('second')
    await client.close()
    await chat.close()
  })
})

describe('a timeout reports the messages seen', () => {
  test('unclaimed messages of the scope are listed, claimed ones counted, binary ones left out', async ({ mockWs }) => {
    const ws = await mockWs()
    const a = await connectClient(ws.url)
    const b = await connectClient(ws.url)
    await sendAll(a, 'taken', '{"type":"sub","ch":"news"}')
    a.send(Buffer.from('bytes'))
    await a.next()
    await sendAll(b, '{"type":"sub","ch":"other connection"}')
    expect(await ws.nextMessage()).toBe('taken')
    const message = await failureOf(() => expect(ws).toReceiveMessage({ type: 'sub', ch: 'prices' }, { timeout: 30, connection: 1 }))
    expect(message.slice(0, message.indexOf('\n\ntranscript'))).toMatchInlineSnapshot(`
      "expect(mock).toReceiveMessage(expected)

      Expected: a client message on connection #1 matching {"type":"sub","ch":"prices"} within 30 ms

      Received (not counting 1 already taken by toReceiveMessage or nextMessage): 1 message
        "{"type":"sub","ch":"news"}"  (connection #1 at +Nms)

      Closest message (connection #1 at +Nms):
      - Expected
      + Received

        {
      -   "ch": "prices",
      +   "ch": "news",
          "type": "sub",
        }"
    `)
    await Promise.all([a.close(), b.close()])
  })

  test('a mock that closes ends the wait with what was seen', async ({ mockWs }) => {
    const ws = await mockWs()
    const client = await connectClient(ws.url)
    await sendAll(client, 'seen')
    const pending = failureOf(() => expect(ws).toReceiveMessage('never', { timeout: 60_000 }))
    await client.close()
    await ws.close()
    const message = await pending
    expect(message).toContain('Expected: a client message matching "never" before the mock closed')
    expect(message).toContain('Received: 1 message\n  "seen"  (connection #1 at +Nms)')
  })
})
