// Real servers and clients from npm, default client options: each session is recorded through the
// proxy, the upstream is stopped, and the recording is replayed in strict mode to a fresh client that
// chooses new ids, nonces and packet ids of its own.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Aedes } from 'aedes'
import { createRequire } from 'node:module'
import { createClient } from 'graphql-ws'
import mqtt from 'mqtt'
import { Client as StompClient, Versions } from '@stomp/stompjs'
import { Server as SocketIoServer } from 'socket.io'
import { io as socketIoClient } from 'socket.io-client'
import WebSocket, { WebSocketServer, createWebSocketStream } from 'ws'
import { describe, expect, it } from 'vitest'
import { mockWs } from '../../src/server/builder.js'
import type { MockWs } from '../../src/server/mock-ws.js'
import { useTestScope } from '../support/scope.js'

// graphql and graphql-ws/use/ws from one module system: graphql refuses a schema built by another copy of itself.
const require = createRequire(import.meta.url)
const { GraphQLObjectType, GraphQLSchema, GraphQLString } = require('graphql') as typeof import('graphql')
const { useServer } = require('graphql-ws/use/ws') as typeof import('graphql-ws/use/ws')

const scope = useTestScope({ tempDir: 'mockforge-ws-vcr-' })

/** A `ws` server on a free port; `stop()` ends it (the upstream is gone for the replay). */
async function wsServer(path: string, onStart: (wss: WebSocketServer) => void | (() => void | Promise<void>)): Promise<{ url: string; stop(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path })
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()))
  const dispose = onStart(wss)
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    if (dispose) await dispose()
    for (const c of wss.clients) c.terminate()
    await new Promise<void>((resolve) => wss.close(() => resolve()))
  }
  scope.defer(stop)
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}${path}`, stop }
}

/** Records one session through a proxy into a file, then stops the upstream. */
async function record(upstream: { url: string; stop(): Promise<void> }, file: string, session: (url: string) => Promise<unknown>, opts: object = {}): Promise<unknown> {
  const proxy = await mockWs({ path: '*' }).proxy(upstream.url, { path: 'fixed', record: { file, ...opts } })
  const result = await session(proxy.url)
  await proxy.close()
  await upstream.stop()
  return result
}

/** Replays the file in strict mode to a fresh client; `close()` rejects on any failure. */
async function replay(file: string, session: (url: string) => Promise<unknown>): Promise<{ result: unknown; mock: MockWs }> {
  const mock = await mockWs({ strict: true, path: '*' }).replay(file)
  const result = await session(mock.url)
  await mock.close()
  return { result, mock }
}

describe('VCR with real protocol stacks', () => {
  it('graphql-ws: a subscription and a query on one socket replay to a client that picks new operation ids', async () => {
    const schema = new GraphQLSchema({
      query: new GraphQLObjectType({ name: 'Query', fields: { hello: { type: GraphQLString, resolve: () => 'world' } } }),
      subscription: new GraphQLObjectType({
        name: 'Subscription',
        fields: {
          greetings: {
            type: GraphQLString,
            args: { name: { type: GraphQLString } },
            subscribe: async function* (_root: unknown, args: { name?: string }) {
              for (const hi of ['Hi', 'Bonjour', 'Hola']) yield { greetings: `${hi} ${args.name ?? ''}` }
            },
          },
        },
      }),
    })
    const upstream = await wsServer('/graphql', (wss) => {
      const server = useServer({ schema }, wss)
      return () => server.dispose()
    })
    const ids: string[] = []
    const session = async (url: string): Promise<unknown> => {
      const client = createClient({ url, webSocketImpl: WebSocket })
      client.on('message', (m) => {
        if ('id' in m && typeof m.id === 'string' && !ids.includes(m.id)) ids.push(m.id)
      })
      const greetings: unknown[] = []
      // Read the query to its end: leaving the loop at its result would send a client `complete` only when
      // the server's `complete` had not arrived yet, so the recording would hold it or not by timing.
      const query = (async () => {
        let result: unknown
        for await (const r of client.iterate({ query: '{ hello }' })) result = r
        return result
      })()
      for await (const r of client.iterate({ query: 'subscription { greetings(name: "Ada") }' })) greetings.push(r)
      const hello = await query
      await client.dispose()
      return { hello, greetings }
    }
    const file = join(scope.dir, 'graphql.jsonl')
    const live = await record(upstream, file, session)
    expect(live).toEqual({
      hello: { data: { hello: 'world' } },
      greetings: [{ data: { greetings: 'Hi Ada' } }, { data: { greetings: 'Bonjour Ada' } }, { data: { greetings: 'Hola Ada' } }],
    })
    const recorded = await readFile(file, 'utf8')
    expect(recorded).toContain('{{match.id}}')
    const liveIds = ids.splice(0)
    const { result } = await replay(file, session)
    expect(result).toEqual(live)
    // graphql-ws chose fresh operation ids, and the replay answered with them.
    expect(ids).toHaveLength(2)
    expect(ids.some((id) => liveIds.includes(id))).toBe(false)
  })

  it('socket.io v4: a session with events and acks replays to a fresh socket.io-client', async () => {
    const httpServer = http.createServer()
    const ioServer = new SocketIoServer(httpServer)
    ioServer.on('connection', (socket) => {
      socket.emit('welcome', { room: 'lobby' })
      socket.on('hello', (name: string, ack: (r: unknown) => void) => ack({ greeting: `hi ${name}` }))
      socket.on('chat', (text: string) => socket.emit('chat', text.toUpperCase()))
    })
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve))
    const port = (httpServer.address() as AddressInfo).port
    let stopped = false
    const upstream = {
      url: `ws://127.0.0.1:${port}/socket.io/`,
      stop: async () => {
        if (stopped) return
        stopped = true
        await new Promise<void>((resolve) => ioServer.close(() => resolve()))
      },
    }
    scope.defer(upstream.stop)
    const session = async (url: string): Promise<unknown> => {
      // socket.io-client starts with HTTP long-polling by default, which a WebSocket proxy never sees.
      const socket = socketIoClient(url.replace(/^ws/, 'http').replace(/\/$/, ''), { transports: ['websocket'] })
      const welcome = await new Promise((resolve) => socket.once('welcome', resolve))
      const acked = await socket.emitWithAck('hello', 'Ada')
      const chat = new Promise((resolve) => socket.once('chat', resolve))
      socket.emit('chat', 'shout')
      const echoed = await chat
      const sid = socket.id
      socket.disconnect()
      return { welcome, acked, echoed, sid: typeof sid }
    }
    const file = join(scope.dir, 'socketio.jsonl')
    const live = await record(upstream, file, session)
    expect(live).toEqual({ welcome: { room: 'lobby' }, acked: { greeting: 'hi Ada' }, echoed: 'SHOUT', sid: 'string' })
    const { result } = await replay(file, session)
    expect(result).toEqual(live)
  })

  it('STOMP (@stomp/stompjs against a small local broker): receipts with app-chosen random ids replay', async () => {
    const upstream = await wsServer('/stomp', (wss) => startStompBroker(wss))
    const session = async (url: string): Promise<unknown> => {
      const client = new StompClient({ webSocketFactory: () => new WebSocket(url, Versions.default.protocolVersions()), reconnectDelay: 0 })
      const connected = new Promise<void>((resolve) => (client.onConnect = () => resolve()))
      client.activate()
      await connected
      const message = new Promise<string>((resolve) => client.subscribe('/topic/prices', (m) => resolve(m.body)))
      const receiptId = `rcpt-${crypto.randomUUID().slice(0, 8)}`
      const receipt = new Promise<string>((resolve) => client.watchForReceipt(receiptId, (frame) => resolve(frame.headers['receipt-id'] === receiptId ? 'matched' : 'other')))
      client.publish({ destination: '/topic/prices', body: 'ACME 101', headers: { receipt: receiptId } })
      const result = { body: await message, receipt: await receipt }
      await client.deactivate()
      return result
    }
    const file = join(scope.dir, 'stomp.jsonl')
    const live = await record(upstream, file, session)
    expect(live).toEqual({ body: 'ACME 101', receipt: 'matched' })
    expect(await readFile(file, 'utf8')).toContain('receipt-id:{{match.receipt}}')
    const { result } = await replay(file, session)
    expect(result).toEqual(live)
  })

  it("mqtt.js against aedes, QoS 1 with random packet ids: inbound 'any' replays what the broker delivers", async () => {
    const broker = await Aedes.createBroker()
    // A retained price, so that the broker delivers on its own once the client subscribes.
    await new Promise<void>((resolve) => broker.publish({ cmd: 'publish', topic: 'prices/acme', payload: Buffer.from('101.5'), qos: 1, retain: true, dup: false }, () => resolve()))
    const upstream = await wsServer('/mqtt', (wss) => {
      wss.on('connection', (socket) => broker.handle(createWebSocketStream(socket) as never))
      return () => new Promise<void>((resolve) => broker.close(() => resolve()))
    })
    const session = async (url: string): Promise<unknown> => {
      const client = mqtt.connect(url)
      const got: unknown[] = []
      const messages = new Promise<unknown[]>((resolve) =>
        client.on('message', (topic, payload, packet) => {
          got.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain })
          // Publishing from the message handler: on replay the SUBACK carries the recorded packet id, which mqtt.js ignores.
          if (got.length === 1) client.publish('prices/acme', '102', { qos: 1 })
          if (got.length === 2) resolve(got)
        }),
      )
      client.subscribe('prices/acme', { qos: 1 })
      const result = await messages
      await client.endAsync(true)
      return result
    }
    const file = join(scope.dir, 'mqtt.jsonl')
    const live = await record(upstream, file, session, { inbound: 'any' })
    expect(live).toEqual([
      { topic: 'prices/acme', payload: '101.5', qos: 1, retain: true },
      { topic: 'prices/acme', payload: '102', qos: 1, retain: false },
    ])
    const { result } = await replay(file, session)
    expect(result).toEqual(live)
  })
})

/** A minimal STOMP 1.2 broker over WebSocket: CONNECT, SUBSCRIBE, SEND (with receipts), DISCONNECT. */
function startStompBroker(wss: WebSocketServer): void {
  const subscriptions = new Map<string, { socket: WebSocket; id: string }[]>()
  let messageSeq = 0
  wss.on('connection', (socket) => {
    const session = `session-${Math.random().toString(36).slice(2, 10)}`
    socket.on('message', (raw) => {
      for (const frame of raw.toString().split('\u0000')) {
        const text = frame.replace(/^\n+/, '')
        if (text === '') continue
        const [head = '', body = ''] = text.split('\n\n')
        const [command, ...lines] = head.split('\n')
        const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]))
        const receipt = (): void => {
          if (headers.receipt) socket.send(`RECEIPT\nreceipt-id:${headers.receipt}\n\n\u0000`)
        }
        if (command === 'CONNECT' || command === 'STOMP') socket.send(`CONNECTED\nversion:1.2\nheart-beat:0,0\nsession:${session}\n\n\u0000`)
        else if (command === 'SUBSCRIBE') {
          const list = subscriptions.get(headers.destination ?? '') ?? []
          list.push({ socket, id: headers.id ?? '' })
          subscriptions.set(headers.destination ?? '', list)
          receipt()
        } else if (command === 'SEND') {
          for (const s of subscriptions.get(headers.destination ?? '') ?? []) {
            s.socket.send(`MESSAGE\nsubscription:${s.id}\nmessage-id:m-${session}-${++messageSeq}\ndestination:${headers.destination}\ncontent-length:${Buffer.byteLength(body)}\n\n${body}\u0000`)
          }
          receipt()
        } else if (command === 'DISCONNECT') {
          receipt()
          socket.close(1000)
        }
      }
    })
  })
}
