// Real third-party clients against the core (issue #14): graphql-ws and STOMP sessions that need
// captures, a client that closes right after sending, and a proxied recording of literal `{{…}}` text.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client as StompClient, type IMessage } from '@stomp/stompjs'
import { createClient } from 'graphql-ws'
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { closeAllMocks, mockWs, Scenario } from '../../src/index.js'
import { connectClient, leakableResources } from '../support/client.js'

let dir = ''
const cleanups: (() => Promise<void> | void)[] = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mockforge-real-clients-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
  await closeAllMocks()
  await vi.waitFor(() => expect(leakableResources()).toMatchObject({ sockets: 0, servers: 0 }))
})

describe('graphql-ws createClient against a builder scenario', () => {
  test('the subscription id is captured by a RegExp and every next/complete carries it', async () => {
    const ws = await mockWs({ strict: true })
      .expect({ type: 'connection_init' })
      .send('{"type":"connection_ack"}')
      .expect(/^(?=.*"type":"subscribe")(?=.*"id":"(?<id>[^"]+)")/)
      .send('{"id":"{{match.id}}","type":"next","payload":{"data":{"greetings":"Hi"}}}')
      .send('{"id":"{{match.id}}","type":"next","payload":{"data":{"greetings":"Bonjour"}}}')
      .send('{"id":"{{match.id}}","type":"complete"}')
    // Default options (random operation ids, lazy connection); only the WebSocket class is given, as Node needs.
    const client = createClient({ url: ws.url, webSocketImpl: WebSocket })
    cleanups.push(() => client.dispose())

    const values: unknown[] = []
    for await (const result of client.iterate({ query: 'subscription { greetings }' })) values.push(result)

    expect(values).toEqual([{ data: { greetings: 'Hi' } }, { data: { greetings: 'Bonjour' } }])
    const subscribe = JSON.parse(ws.received.map((f) => f.text ?? '').find((t) => t.includes('"subscribe"')) ?? '{}') as { id?: string }
    expect(subscribe.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(ws.sent.filter((f) => f.text?.includes('"next"')).map((f) => (JSON.parse(f.text ?? '') as { id: string }).id)).toEqual([subscribe.id, subscribe.id])
    expect(ws.failures).toEqual([])
  })
})

describe('a STOMP session (@stomp/stompjs) against Scenario.fromReplay', () => {
  // The subscription id is captured once (step 3) and used by MESSAGE frames after later waits.
  const session = [
    { ts: 0, dir: 'in', match: '^CONNECT\\n' },
    { ts: 0, dir: 'out', text: 'CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\u0000' },
    { ts: 0, dir: 'in', match: '^SUBSCRIBE[\\s\\S]*?\\nid:(?<sub>[^\\n]+)' },
    { ts: 10, dir: 'out', text: 'MESSAGE\nsubscription:{{match.sub}}\nmessage-id:1\ndestination:/topic/prices\n\n101\u0000' },
    { ts: 10, dir: 'in', match: '^SEND\\n[\\s\\S]*\\n\\ngot 101\\u0000$' },
    { ts: 20, dir: 'out', text: 'MESSAGE\nsubscription:{{match.sub}}\nmessage-id:2\ndestination:/topic/prices\n\n102\u0000' },
    { ts: 30, dir: 'out', text: 'MESSAGE\nsubscription:{{match.sub}}\nmessage-id:3\ndestination:/topic/prices\n\n103\u0000' },
    { ts: 30, dir: 'in', match: '^UNSUBSCRIBE\\n' },
    { ts: 30, dir: 'in', match: '^DISCONNECT\\n[\\s\\S]*?receipt:(?<receipt>[^\\n]+)' },
    { ts: 30, dir: 'out', text: 'RECEIPT\nreceipt-id:{{match.receipt}}\n\n\u0000' },
  ]
  const jsonl = session.map((entry) => JSON.stringify(entry)).join('\n')

  test('MESSAGE frames reach the subscription, whose id was captured once', async () => {
    const ws = await mockWs({ strict: true }).scenario(Scenario.fromReplay(jsonl, { file: 'stomp.jsonl' }))
    const bodies: string[] = []
    let resolveDone!: () => void
    const done = new Promise<void>((resolve) => (resolveDone = resolve))
    const client = new StompClient({ webSocketFactory: () => new WebSocket(ws.url, ['v12.stomp', 'v11.stomp', 'v10.stomp']) })
    cleanups.push(() => client.deactivate())
    client.onConnect = () => {
      const subscription = client.subscribe('/topic/prices', (message: IMessage) => {
        bodies.push(message.body)
        if (message.body === '101') client.publish({ destination: '/app/ack', body: 'got 101' })
        if (bodies.length === 3) {
          subscription.unsubscribe()
          resolveDone()
        }
      })
    }
    client.activate()
    await done
    await client.deactivate()

    expect(bodies).toEqual(['101', '102', '103'])
    const subscribe = ws.received.map((f) => f.text ?? '').find((t) => t.startsWith('SUBSCRIBE')) ?? ''
    const id = /\nid:([^\n]+)/.exec(subscribe)?.[1]
    expect(id).toBeDefined()
    expect(ws.sent.filter((f) => f.text?.startsWith('MESSAGE')).map((f) => /subscription:([^\n]+)/.exec(f.text ?? '')?.[1])).toEqual([id, id, id])
    await vi.waitFor(() => expect(ws.connections).toHaveLength(0))
    expect(ws.failures).toEqual([])
  })
})

describe('a client that sends two messages and closes at once', () => {
  test('passes a strict replay expecting both', async () => {
    const ws = await mockWs({ strict: true }).replay('{"ts":0,"dir":"in","text":"first"}\n{"ts":0,"dir":"in","text":"second"}\n')
    const client = await connectClient(ws.url)
    client.send('first')
    client.send('second')
    client.socket.close(1000, 'done')
    expect(await client.closed).toEqual({ code: 1000, reason: 'done' })
    await vi.waitFor(() => expect(ws.connections).toHaveLength(0))
    expect(ws.failures).toEqual([])
    await ws.close()
  })
})

describe('a proxied recording of server text with {{…}} in it', () => {
  test('replays to a fresh client byte for byte, templates on (the default)', async () => {
    const frames = ['{"type":"tpl","text":"Dear {{user}}, your number is {{seq}}"}', 'literal {{uuid}} and \\{{seq}} and {{ now }}', '{{{{}}}}']
    const upstream = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await new Promise<void>((resolve) => upstream.once('listening', () => resolve()))
    cleanups.push(() => new Promise<void>((resolve) => upstream.close(() => resolve())))
    upstream.on('connection', (socket) => {
      socket.on('message', (raw) => {
        if (raw.toString() === 'hello {{user}}') for (const frame of frames) socket.send(frame)
      })
    })
    const file = join(dir, 'literal.jsonl')
    const proxy = await mockWs().proxy(`ws://127.0.0.1:${(upstream.address() as AddressInfo).port}/`).record({ file })
    const recording = await connectClient(proxy.url)
    recording.send('hello {{user}}')
    for (const frame of frames) expect(await recording.next()).toBe(frame)
    await recording.close()
    await proxy.close()

    const replay = await mockWs({ strict: true }).replay(file)
    const fresh = await connectClient(replay.url)
    fresh.send('hello {{user}}')
    for (const frame of frames) expect(await fresh.next()).toBe(frame)
    await fresh.close()
    expect(replay.failures).toEqual([])
    expect(await readFile(file, 'utf8')).toContain('\\\\{{user}}')
  })
})
