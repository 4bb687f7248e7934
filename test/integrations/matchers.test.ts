import { describe } from 'vitest'
import { DEFAULT_RECEIVE_TIMEOUT_MS } from '../../src/integrations/matchers.js'
import { expect, test } from '../../src/integrations/vitest.js'
import { connectClient, type TestClient } from '../support/client.js'
import { failureOf } from './support.js'

/** Sends each message and waits for its echo, so the mock has recorded all of them before the assertions run. */
async function sendAll(client: TestClient, ...messages: string[]): Promise<void> {
  for (const m of messages) {
    client.send(m)
    await client.next()
  }
}

describe('toReceiveMessage', () => {
  test('finds a message that arrived before the assertion started (no race with send)', async ({ mockWs }) => {
    const ws = await mockWs()
    const client = await connectClient(ws.url)
    await sendAll(client, '{"type":"hello","id":1}')
    await expect(ws).toReceiveMessage({ type: 'hello' }, { timeout: 0 })
    await client.close()
  })

  test('waits for a message that arrives after the assertion started', async ({ mockWs }) => {
    const ws = await mockWs()
    const client = await connectClient(ws.url)
    const pending = expect(ws).toReceiveMessage(/^late \d$/)
    client.send('late 1')
    await pending
    await client.close()
  })

  test('each message satisfies one toReceiveMessage, oldest first; others stay available', async ({ mockWs }) => {
    const ws = await mockWs()
    const client = await connectClient(ws.url)
    await sendAll(client, 'a', 'b', 'a')
    await expect(ws).toReceiveMessage('a')
    await expect(ws).toReceiveMessage('b')
    await expect(ws).toReceiveMessage('a')
    await expect(ws).not.toReceiveMessage('a', { timeout: 20 })
    await client.close()
  })

  test('.not watches for the whole timeout and does not claim', async ({ mockWs }) => {
    const ws = await mockWs()
    const client = await connectClient(ws.url)
    const started = performance.now()
    await expect(ws).not.toReceiveMessage('x', { timeout: 60 })
    expect(performance.now() - started).toBeGreaterThanOrEqual(55)
    await sendAll(client, 'x')
    const failedAt = performance.now()
    await failureOf(() => expect(ws).not.toReceiveMessage('x', { timeout: 10_000 }))
    // A matching message ends a `.not` at once instead of waiting out its timeout (half of it: room for a loaded machine).
    expect(performance.now() - failedAt).toBeLessThan(5000)
    // `.not` did not take it: a positive assertion still can.
    await expect(ws).toReceiveMessage('x', { timeout: 0 })
    await client.close()
  })

  test('filters by connection', async ({ mockWs }) => {
    const ws = await mockWs()
    const a = await connectClient(ws.url)
    const b = await connectClient(ws.url)
    await sendAll(a, 'from a')
    await sendAll(b, 'from b')
    await expect(ws).not.toReceiveMessage('from a', { connection: 2, timeout: 20 })
    await expect(ws).toReceiveMessage('from a', { connection: 1, timeout: 0 })
    await Promise.all([a.close(), b.close()])
  })

  test('stops waiting once the mock is closed', async ({ mockWs }) => {
    const ws = await mockWs()
    const pending = failureOf(() => expect(ws).toReceiveMessage('never', { timeout: 10_000 }))
    const started = performance.now()
    await ws.close()
    expect(await pending).toContain('before the mock closed')
    expect(performance.now() - started).toBeLessThan(5000)
  })

  test('ignores binary frames', async ({ mockWs }) => {
    const ws = await mockWs()
    const client = await connectClient(ws.url)
    client.send(Buffer.from('bin'))
    await client.next()
    await expect(ws).not.toReceiveMessage(() => true, { timeout: 20 })
    await client.close()
  })

  test('failure: a JSON subset shows a diff against the closest message and the transcript', async ({ mockWs }) => {
    const ws = await mockWs()
    const client = await connectClient(ws.url)
    await sendAll(client, 'READY', '{"type":"subscribe","channel":"news","id":3}', '{"type":"ping"}')
    expect(await failureOf(() => expect(ws).toReceiveMessage({ type: 'subscribe', channel: 'prices' }, { timeout: 10 })))
      .toMatchInlineSnapshot(`
        "expect(mock).toReceiveMessage(expected)

        Expected: a client message matching {"type":"subscribe","channel":"prices"} within 10 ms

        Received: 3 messages
          "READY"  (connection #1 at +Nms)
          "{"type":"subscribe","channel":"news","id":3}"  (connection #1 at +Nms)
          "{"type":"ping"}"  (connection #1 at +Nms)

        Closest message (connection #1 at +Nms):
        - Expected
        + Received

          {
        -   "channel": "prices",
        +   "channel": "news",
            "type": "subscribe",
          }

        transcript (6 frames; → server to client, ← client to server):
          #1 +Nms  ←  READY
          #1 +Nms  →  READY
          #1 +Nms  ←  {"type":"subscribe","channel":"news","id":3}
          #1 +Nms  →  {"type":"subscribe","channel":"news","id":3}
          #1 +Nms  ←  {"type":"ping"}
          #1 +Nms  →  {"type":"ping"}"
      `)
    await client.close()
  })

  test('failure: a string shows a diff against the latest message, and claimed messages are counted', async ({ mockWs }) => {
    const ws = await mockWs()
    const client = await connectClient(ws.url)
    await sendAll(client, 'hello', 'helo world')
    await expect(ws).toReceiveMessage('hello')
    expect(await failureOf(() => expect(ws).toReceiveMessage('hello world', { timeout: 10 }))).toMatchInlineSnapshot(`
      "expect(mock).toReceiveMessage(expected)

      Expected: a client message matching "hello world" within 10 ms

      Received (not counting 1 already taken by toReceiveMessage or nextMessage): 1 message
        "helo world"  (connection #1 at +Nms)

      Closest message (connection #1 at +Nms):
      - Expected
      + Received

      - hello world
      + helo world

      transcript (4 frames; → server to client, ← client to server):
        #1 +Nms  ←  hello
        #1 +Nms  →  hello
        #1 +Nms  ←  helo world
        #1 +Nms  →  helo world"
    `)
    await client.close()
  })

  test('failure: a RegExp lists what arrived; nothing arrived reads "none"', async ({ mockWs }) => {
    const ws = await mockWs()
    expect(await failureOf(() => expect(ws).toReceiveMessage(/^PING \d+$/, { timeout: 10 }))).toMatchInlineSnapshot(`
      "expect(mock).toReceiveMessage(expected)

      Expected: a client message matching /^PING \\d+$/ within 10 ms

      Received: none

      transcript: (no frames)"
    `)
  })

  test('failure of .not names the message that matched', async ({ mockWs }) => {
    const ws = await mockWs()
    const client = await connectClient(ws.url)
    await sendAll(client, '{"type":"error","code":42}')
    expect(await failureOf(() => expect(ws).not.toReceiveMessage({ type: 'error' }, { timeout: 10 }))).toMatchInlineSnapshot(`
      "expect(mock).not.toReceiveMessage(expected)

      Expected: no client message matching {"type":"error"} within 10 ms
      Received: "{"type":"error","code":42}" (connection #1 at +Nms)

      transcript (2 frames; → server to client, ← client to server):
        #1 +Nms  ←  {"type":"error","code":42}
        #1 +Nms  →  {"type":"error","code":42}"
    `)
    await client.close()
  })

  test('the default timeout is named in the message', async ({ mockWs }) => {
    const ws = await mockWs()
    const started = performance.now()
    const message = await failureOf(() => expect(ws).toReceiveMessage(function isAck(text: string) {
      return text === 'ack'
    }))
    expect(performance.now() - started).toBeGreaterThanOrEqual(DEFAULT_RECEIVE_TIMEOUT_MS - 5)
    expect(message.split('\n').slice(0, 3)).toMatchInlineSnapshot(`
      [
        "expect(mock).toReceiveMessage(expected)",
        "",
        "Expected: a client message matching predicate isAck within 1000 ms",
      ]
    `)
  })

  test('usage errors: a builder that was not awaited, and something that is not a matcher', async ({ mockWs }) => {
    const builder = mockWs()
    expect(await failureOf(() => expect(builder).toReceiveMessage('x'))).toMatchInlineSnapshot(`"Failed to run toReceiveMessage: the received value is not a started MockWs. Await mockWs() before asserting on it: expect(await mockWs())…"`)
    const ws = await builder
    expect(await failureOf(() => expect(ws).toReceiveMessage(42 as unknown as string))).toMatchInlineSnapshot(`"Failed to run toReceiveMessage: 42 is not a message matcher. Use a string (exact), a RegExp, a JSON object subset or a predicate."`)
  })
})

describe('toHaveReceivedMessage', () => {
  test('matches every matcher kind against messages received so far', async ({ mockWs }) => {
    const ws = await mockWs()
    const client = await connectClient(ws.url)
    await sendAll(client, 'plain', '{"type":"order","lines":[{"sku":"a"}]}')
    expect(ws).toHaveReceivedMessage('plain')
    expect(ws).toHaveReceivedMessage(/^pl/)
    expect(ws).toHaveReceivedMessage({ type: 'order', lines: [{ sku: 'a' }] })
    expect(ws).toHaveReceivedMessage((_text: string, parsed?: unknown) => (parsed as { type?: string } | undefined)?.type === 'order')
    expect(ws).not.toHaveReceivedMessage('PLAIN')
    // Received-so-far checks do not consume: toReceiveMessage can still claim the same message.
    await expect(ws).toReceiveMessage('plain', { timeout: 0 })
    expect(ws).toHaveReceivedMessage('plain')
    await client.close()
  })

  test('failure and .not failure messages', async ({ mockWs }) => {
    const ws = await mockWs()
    const client = await connectClient(ws.url)
    await sendAll(client, '{"type":"order","qty":2}')
    expect(await failureOf(() => expect(ws).toHaveReceivedMessage({ type: 'order', qty: 3 }))).toMatchInlineSnapshot(`
      "expect(mock).toHaveReceivedMessage(expected)

      Expected: a client message matching {"type":"order","qty":3}

      Received: 1 message
        "{"type":"order","qty":2}"  (connection #1 at +Nms)

      Closest message (connection #1 at +Nms):
      - Expected
      + Received

        {
      -   "qty": 3,
      +   "qty": 2,
          "type": "order",
        }

      transcript (2 frames; → server to client, ← client to server):
        #1 +Nms  ←  {"type":"order","qty":2}
        #1 +Nms  →  {"type":"order","qty":2}"
    `)
    expect(await failureOf(() => expect(ws).not.toHaveReceivedMessage({ type: 'order' }))).toMatchInlineSnapshot(`
      "expect(mock).not.toHaveReceivedMessage(expected)

      Expected: no client message matching {"type":"order"}
      Received: "{"type":"order","qty":2}" (connection #1 at +Nms)

      transcript (2 frames; → server to client, ← client to server):
        #1 +Nms  ←  {"type":"order","qty":2}
        #1 +Nms  →  {"type":"order","qty":2}"
    `)
    await client.close()
  })
})

describe('toHaveReceivedMessages', () => {
  test('is an in-order subsequence: other messages may come in between, order matters', async ({ mockWs }) => {
    const ws = await mockWs()
    const client = await connectClient(ws.url)
    await sendAll(client, 'hello', 'ping', '{"type":"subscribe"}', 'ping', 'bye')
    expect(ws).toHaveReceivedMessages(['hello', { type: 'subscribe' }, 'bye'])
    expect(ws).toHaveReceivedMessages(['ping', 'ping'])
    expect(ws).toHaveReceivedMessages([])
    expect(ws).not.toHaveReceivedMessages(['bye', 'hello'])
    expect(ws).not.toHaveReceivedMessages(['ping', 'ping', 'ping'])
    await client.close()
  })

  test('failure marks what was found and where the sequence broke; .not shows the full match', async ({ mockWs }) => {
    const ws = await mockWs()
    const client = await connectClient(ws.url)
    await sendAll(client, 'hello', '{"type":"subscribe"}', 'bye')
    expect(await failureOf(() => expect(ws).toHaveReceivedMessages(['hello', 'bye', { type: 'subscribe' }, /^x/]))).toMatchInlineSnapshot(`
      "expect(mock).toHaveReceivedMessages(expected)

      Expected: client messages matching, in order (others may come in between):
        1. ✓ "hello"  ← "hello" (connection #1 at +Nms)
        2. ✓ "bye"  ← "bye" (connection #1 at +Nms)
        3. ✗ {"type":"subscribe"}  ← not found after the previous match
        4.   /^x/

      Received: 3 messages
        "hello"  (connection #1 at +Nms)
        "{"type":"subscribe"}"  (connection #1 at +Nms)
        "bye"  (connection #1 at +Nms)

      transcript (6 frames; → server to client, ← client to server):
        #1 +Nms  ←  hello
        #1 +Nms  →  hello
        #1 +Nms  ←  {"type":"subscribe"}
        #1 +Nms  →  {"type":"subscribe"}
        #1 +Nms  ←  bye
        #1 +Nms  →  bye"
    `)
    expect(await failureOf(() => expect(ws).not.toHaveReceivedMessages(['hello', 'bye']))).toMatchInlineSnapshot(`
      "expect(mock).not.toHaveReceivedMessages(expected)

      Expected: the client messages not to match, in order:
        1. ✓ "hello"  ← "hello" (connection #1 at +Nms)
        2. ✓ "bye"  ← "bye" (connection #1 at +Nms)

      transcript (6 frames; → server to client, ← client to server):
        #1 +Nms  ←  hello
        #1 +Nms  →  hello
        #1 +Nms  ←  {"type":"subscribe"}
        #1 +Nms  →  {"type":"subscribe"}
        #1 +Nms  ←  bye
        #1 +Nms  →  bye"
    `)
    expect(await failureOf(() => expect(ws).toHaveReceivedMessages('hello' as unknown as string[]))).toMatchInlineSnapshot(`"Failed to run toHaveReceivedMessages: expected an array of message matchers, got the string \"hello\". Wrap a single matcher in [ ]."`)
    await client.close()
  })
})

describe('toHaveSentMessage', () => {
  test('matches server → client messages, and reads well when it fails', async ({ mockWs }) => {
    const ws = await mockWs().send('{"type":"welcome","v":2}')
    const client = await connectClient(ws.url)
    await client.next()
    expect(ws).toHaveSentMessage({ type: 'welcome' })
    expect(ws).not.toHaveSentMessage({ type: 'goodbye' })
    expect(await failureOf(() => expect(ws).toHaveSentMessage({ type: 'welcome', v: 3 }))).toMatchInlineSnapshot(`
      "expect(mock).toHaveSentMessage(expected)

      Expected: a message sent to a client matching {"type":"welcome","v":3}

      Sent: 1 message
        "{"type":"welcome","v":2}"  (connection #1 at +Nms)

      Closest message (connection #1 at +Nms):
      - Expected
      + Received

        {
          "type": "welcome",
      -   "v": 3,
      +   "v": 2,
        }

      transcript (1 frame; → server to client, ← client to server):
        #1 +Nms  →  {"type":"welcome","v":2}"
    `)
    expect(await failureOf(() => expect(ws).not.toHaveSentMessage(/welcome/))).toMatchInlineSnapshot(`
      "expect(mock).not.toHaveSentMessage(expected)

      Expected: no message sent to a client matching /welcome/
      Sent: "{"type":"welcome","v":2}" (connection #1 at +Nms)

      transcript (1 frame; → server to client, ← client to server):
        #1 +Nms  →  {"type":"welcome","v":2}"
    `)
    await client.close()
  })
})

describe('toHaveConnections', () => {
  test('counts open connections', async ({ mockWs }) => {
    const ws = await mockWs()
    expect(ws).toHaveConnections(0)
    const a = await connectClient(ws.url)
    const b = await connectClient(ws.url)
    await ws.nextConnection()
    const second = await ws.nextConnection()
    expect(ws).toHaveConnections(2)
    await b.close()
    await second.closed
    expect(ws).toHaveConnections(1)
    expect(ws).not.toHaveConnections(2)
    expect(await failureOf(() => expect(ws).toHaveConnections(2))).toMatchInlineSnapshot(`
      "expect(mock).toHaveConnections(expected)

      Expected: 2 open connections
      Received: 1 open connection (2 since the mock started)

      transcript (1 frame; → server to client, ← client to server):
        #2 +Nms  ←  close 1000"
    `)
    expect(await failureOf(() => expect(ws).not.toHaveConnections(1))).toMatchInlineSnapshot(`
      "expect(mock).not.toHaveConnections(expected)

      Expected: not 1 open connection
      Received: 1 open connection (2 since the mock started)

      transcript (1 frame; → server to client, ← client to server):
        #2 +Nms  ←  close 1000"
    `)
    expect(await failureOf(() => expect(ws).toHaveConnections(-1))).toMatchInlineSnapshot(`"Failed to run toHaveConnections: expected a whole number of connections, got -1."`)
    await a.close()
  })
})

describe('toHaveNoFailures', () => {
  test('passes without failures; fails with the strict-mode report', async ({ mockWs }) => {
    const ws = await mockWs().expect({ type: 'hello' }).send('welcome')
    expect(ws).toHaveNoFailures()
    expect(await failureOf(() => expect(ws).not.toHaveNoFailures())).toMatchInlineSnapshot(`
      "expect(mock).not.toHaveNoFailures()

      Expected: at least one scenario failure
      Received: none

      transcript: (no frames)"
    `)
    const client = await connectClient(ws.url)
    client.send('{"type":"bye"}')
    await expect.poll(() => ws.failures.length).toBe(1)
    expect(ws).not.toHaveNoFailures()
    expect(await failureOf(() => expect(ws).toHaveNoFailures())).toMatchInlineSnapshot(`
      "expect(mock).toHaveNoFailures()

      mockforge-ws: 1 scenario failure

      connection #1, step 1 (expect({"type":"hello"}) at <scenario>:1): unexpected message at +Nms
         expected: expect({"type":"hello"})
         actual:   "{\\"type\\":\\"bye\\"}"

      transcript (1 frame; → server to client, ← client to server):
        #1 +Nms  ←  {"type":"bye"}"
    `)
    await client.close()
  })
})
