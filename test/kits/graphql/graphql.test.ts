// mockforge-ws/graphql against graphql-ws's own createClient (default options: random ids, lazy, retries),
// on the `ws` package, over real sockets.
import fc from 'fast-check'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { closeAllMocks, liveMockCount, mockWs, ScenarioFailureError } from '../../../src/index.js'
import { mockGraphqlWs, type GraphqlWsMock } from '../../../src/kits/graphql/index.js'
import { loadGraphqlPeers } from '../../../src/kits/graphql/load.js'
import { connectClient } from '../../support/client.js'
import { watchLeaks } from '../../reliability/support.js'
import { collect, gqlClient, nextClose } from './support.js'

const PRICE = 'subscription OnPrice { price }'
const NEWS = 'subscription OnNews { headline }'

afterEach(async () => {
  await closeAllMocks().catch(() => {})
})

function sentOfType(gql: GraphqlWsMock, type: string, id?: string): unknown[] {
  return gql.sent
    .map((f) => JSON.parse(f.text ?? 'null') as { type?: string; id?: string })
    .filter((m) => m.type === type && (id === undefined || m.id === id))
}

describe('mockGraphqlWs with graphql-ws createClient', () => {
  test('a subscription gets two results, then complete; operations records it', async () => {
    const leaks = watchLeaks()
    const gql = await mockGraphqlWs().onSubscribe('OnPrice', [{ data: { price: 1 } }, { data: { price: 2 } }], { intervalMs: 10 })
    const client = gqlClient(gql.url)
    const outcome = await collect(client, { query: PRICE })
    expect(outcome).toEqual({ values: [{ data: { price: 1 } }, { data: { price: 2 } }] })
    expect(gql.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/graphql$/)
    expect(gql.operations).toEqual([{ connection: 1, id: expect.any(String), operationName: 'OnPrice', query: PRICE, variables: {} }])
    const id = gql.operations[0]?.id
    // graphql-ws ids are random UUIDs, not a counter.
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    expect(gql.transcript.filter((f) => f.text).map((f) => [f.dir, (JSON.parse(f.text ?? '') as { type: string }).type])).toEqual([
      ['in', 'connection_init'],
      ['out', 'connection_ack'],
      ['in', 'subscribe'],
      ['out', 'next'],
      ['out', 'next'],
      ['out', 'complete'],
    ])
    expect(sentOfType(gql, 'complete', id)).toHaveLength(1)
    expect(gql.failures).toEqual([])
    await client.dispose()
    await gql.close()
    await leaks.expectNone()
  })

  test('two concurrent subscriptions on one connection stream interleaved, each to its own sink', async () => {
    const gql = await mockGraphqlWs()
      .onSubscribe('OnPrice', [{ data: { price: 1 } }, { data: { price: 2 } }, { data: { price: 3 } }], { intervalMs: 15 })
      .onSubscribe(/subscription\s+OnNews/, [{ data: { headline: 'a' } }, { data: { headline: 'b' } }], { intervalMs: 15 })
    const client = gqlClient(gql.url)
    const [prices, news] = await Promise.all([collect(client, { query: PRICE }), collect(client, { query: NEWS })])
    expect(prices.values.map((v) => v.data?.['price'])).toEqual([1, 2, 3])
    expect(news.values.map((v) => v.data?.['headline'])).toEqual(['a', 'b'])
    expect(gql.metrics.connectionsTotal).toBe(1)
    const [a, b] = gql.operations
    expect(gql.operations.map((o) => [o.connection, o.operationName])).toEqual([
      [1, 'OnPrice'],
      [1, 'OnNews'],
    ])
    expect(a?.id).not.toBe(b?.id)
    // Interleaved: the second stream started before the first ended.
    const types = gql.sent.map((f) => JSON.parse(f.text ?? '{}') as { type: string; id?: string })
    const firstComplete = types.findIndex((m) => m.type === 'complete')
    expect(types.slice(0, firstComplete).some((m) => m.type === 'next' && m.id === b?.id)).toBe(true)
    await client.dispose()
  })

  test('a query over the socket gets one result; a function of the variables (sync or async) answers', async () => {
    const gql = await mockGraphqlWs()
      .onQuery('Me', { data: { me: { id: '1' } } })
      .onQuery(/query\s+User\b/, async (variables) => ({ data: { user: { id: variables['id'], name: `user ${String(variables['id'])}` } } }))
      .onSubscribe('Ticks', (variables) => Array.from({ length: Number(variables['n']) }, (_, i) => ({ data: { tick: i } })))
    const client = gqlClient(gql.url)
    expect(await collect(client, { query: 'query Me { me { id } }' })).toEqual({ values: [{ data: { me: { id: '1' } } }] })
    expect(await collect(client, { query: 'query User($id: ID!) { user(id: $id) { id name } }', variables: { id: 7 } })).toEqual({
      values: [{ data: { user: { id: 7, name: 'user 7' } } }],
    })
    expect((await collect(client, { query: 'subscription Ticks($n: Int) { tick }', variables: { n: 3 } })).values).toHaveLength(3)
    // Iterating works too (graphql-ws's async-iterator API).
    const seen: unknown[] = []
    for await (const result of client.iterate({ query: 'query Me { me { id } }' })) seen.push(result)
    expect(seen).toEqual([{ data: { me: { id: '1' } } }])
    expect(gql.operations.map((o) => o.variables)).toEqual([{}, { id: 7 }, { n: 3 }, {}])
    await client.dispose()
  })

  test('an unknown operation gets an error naming the operations the mock knows (not a failure unless strict)', async () => {
    const gql = await mockGraphqlWs().onSubscribe('OnPrice', [{ data: { price: 1 } }]).onSubscribe(/query\s+Me/, [{ data: { me: null } }])
    const client = gqlClient(gql.url)
    const outcome = await collect(client, { query: 'subscription OnWeather { temp }' })
    expect(outcome.values).toEqual([])
    expect(outcome.error).toMatchInlineSnapshot(`
      [
        {
          "message": "mockforge-ws: no mock for operation "OnWeather". Known operations: "OnPrice", /query\\s+Me/. Add .onSubscribe("OnWeather", results) to the mock.",
        },
      ]
    `)
    expect(gql.operations.map((o) => o.operationName)).toEqual(['OnWeather'])
    // A query that does not parse: the GraphQL syntax error comes along.
    const broken = await collect(client, { query: 'subscription {' })
    expect((broken.error as { message: string }[]).map((e) => e.message)).toEqual([
      'mockforge-ws: no mock for operation (anonymous) "subscription {". Known operations: "OnPrice", /query\\s+Me/. Add .onSubscribe(/pattern/, results) to the mock.',
      'Syntax Error: Expected Name, found <EOF>.',
    ])
    expect(gql.failures).toEqual([])
    await client.dispose()
  })

  test('strict: an unknown operation is a failure and close() rejects with a readable report', async () => {
    const gql = await mockGraphqlWs({ strict: true }).onSubscribe('OnPrice', [{ data: { price: 1 } }])
    const client = gqlClient(gql.url)
    const outcome = await collect(client, { query: '{ anonymous }' })
    expect((outcome.error as { message: string }[])[0]?.message).toContain('no mock for operation (anonymous) "{ anonymous }". Known operations: "OnPrice".')
    expect(gql.failures.map((f) => f.kind)).toEqual(['unexpected-message'])
    await client.dispose()
    // The client's close is in the transcript before the mock closes: the report below is the same every run.
    await vi.waitFor(() => expect(gql.connections).toHaveLength(0))
    const error = await gql.close().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ScenarioFailureError)
    const report = (error as Error).message.replace(/ +\+\d+ms/g, ' +Nms').replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'ID')
    expect(report).toMatchInlineSnapshot(`
      "mockforge-ws: 1 scenario failure

      connection #1, step 2: unexpected message at +Nms
         expected: a subscribe for one of: "OnPrice"
         actual:   {"id":"ID","type":"subscribe","payload":{"query":"{ anonymous }"}}

      transcript (5 frames; → server to client, ← client to server):
        #1 +Nms  ←  {"type":"connection_init"}
        #1 +Nms  →  {"type":"connection_ack"}
        #1 +Nms  ←  {"id":"ID","type":"subscribe","payload":{"query":"{ anonymous }"}}
        #1 +Nms  →  {"id":"ID","type":"error","payload":[{"message":"mockforge-ws: no mock for operation …
        #1 +Nms  ←  close 1000 "Normal Closure""
    `)
  })

  test("a client's complete stops its stream: no further next for that id", async () => {
    const gql = await mockGraphqlWs()
      .onSubscribe('OnPrice', Array.from({ length: 50 }, (_, i) => ({ data: { price: i } })), { intervalMs: 10 })
      .onSubscribe('OnNews', Array.from({ length: 6 }, (_, i) => ({ data: { headline: String(i) } })), { intervalMs: 10 })
    const client = gqlClient(gql.url)
    // Keeps the connection up (lazy client) while the first stream is cancelled.
    const news = collect(client, { query: NEWS })
    let unsubscribe: () => void = () => {}
    const first = new Promise<void>((resolve) => {
      unsubscribe = client.subscribe({ query: PRICE }, { next: () => resolve(), error: () => {}, complete: () => {} })
    })
    await first
    unsubscribe()
    await vi.waitFor(() => expect(gql.received.some((f) => f.text?.includes('"type":"complete"'))).toBe(true))
    const priceId = gql.operations.find((o) => o.operationName === 'OnPrice')?.id
    const countAtComplete = sentOfType(gql, 'next', priceId).length
    // The other stream runs six intervals after the complete: time enough for several more prices, had the stream gone on.
    expect((await news).values).toHaveLength(6)
    expect(sentOfType(gql, 'next', priceId).length).toBe(countAtComplete)
    expect(countAtComplete).toBeLessThan(50)
    expect(sentOfType(gql, 'complete', priceId)).toEqual([])
    await client.dispose()
  })

  test('ping/pong: keepAlive pings are answered with pongs; client pongs are accepted', async () => {
    const gql = await mockGraphqlWs().onSubscribe('OnPrice', [{ data: { price: 1 } }])
    const pongs: boolean[] = []
    let twoPongs!: () => void
    const gotTwo = new Promise<void>((resolve) => (twoPongs = resolve))
    const client = gqlClient(gql.url, {
      keepAlive: 20,
      lazy: false,
      on: {
        pong: (received) => {
          if (!received) return
          pongs.push(received)
          if (pongs.length === 2) twoPongs()
        },
      },
    })
    await gotTwo
    const pings = gql.received.filter((f) => f.text === '{"type":"ping"}')
    expect(pings.length).toBeGreaterThanOrEqual(2)
    expect(gql.sent.filter((f) => f.text === '{"type":"pong"}').length).toBeGreaterThanOrEqual(2)
    expect(await collect(client, { query: PRICE })).toEqual({ values: [{ data: { price: 1 } }] })
    await client.dispose()

    // A raw client: a ping's payload comes back on the pong; an unsolicited pong is fine.
    const raw = await connectClient(gql.url, 'graphql-transport-ws')
    raw.send('{"type":"connection_init"}')
    expect(await raw.next()).toBe('{"type":"connection_ack"}')
    raw.send('{"type":"pong"}')
    raw.send('{"type":"ping","payload":{"at":1}}')
    expect(await raw.next()).toBe('{"type":"pong","payload":{"at":1}}')
    await raw.close()
    expect(gql.failures).toEqual([])
  })

  test('connection_init: onInit can refuse (4403) or give the ack a payload', async () => {
    const gql = await mockGraphqlWs().onInit((payload) => (payload['token'] === 'secret' ? { user: 'ada' } : false)).onSubscribe('OnPrice', [{ data: { price: 1 } }])
    const acks: unknown[] = []
    const good = gqlClient(gql.url, { connectionParams: { token: 'secret' }, on: { connected: (_socket, payload) => acks.push(payload) } })
    expect((await collect(good, { query: PRICE })).values).toEqual([{ data: { price: 1 } }])
    expect(acks).toEqual([{ user: 'ada' }])
    await good.dispose()
    const bad = gqlClient(gql.url, { connectionParams: { token: 'wrong' }, retryAttempts: 0 })
    const outcome = await collect(bad, { query: PRICE })
    expect(outcome.error).toMatchObject({ code: 4403, reason: 'Forbidden' })
    await bad.dispose()
  })

  test('an onInit answering an array acknowledges without a payload (graphql-ws allows only an object there)', async () => {
    const gql = await mockGraphqlWs().onInit(() => [1, 2] as never).onQuery('Me', { data: { me: { id: '1' } } })
    const raw = await connectClient(gql.url, 'graphql-transport-ws')
    raw.send('{"type":"connection_init"}')
    expect(await raw.next()).toBe('{"type":"connection_ack"}')
    await raw.close()
  })

  test('an onInit that throws closes that connection with 4500 and is a send-failed failure; the mock keeps serving', async () => {
    let calls = 0
    const gql = await mockGraphqlWs()
      .onInit(async () => {
        if (++calls === 1) throw new Error('auth service down')
      })
      .onQuery('Me', { data: { me: { id: '1' } } })
    const first = gqlClient(gql.url, { retryAttempts: 0 })
    expect((await collect(first, { query: 'query Me { me { id } }' })).error).toMatchObject({ code: 4500, reason: 'Internal server error' })
    await first.dispose()
    expect(gql.failures.map((f) => [f.kind, f.message])).toEqual([['send-failed', 'onInit() threw: auth service down']])
    const second = gqlClient(gql.url)
    expect((await collect(second, { query: 'query Me { me { id } }' })).values).toEqual([{ data: { me: { id: '1' } } }])
    await second.dispose()
  })
})

describe('protocol errors close with graphql-transport-ws close codes', () => {
  async function rawAcked(gql: GraphqlWsMock) {
    const raw = await connectClient(gql.url, 'graphql-transport-ws')
    raw.send('{"type":"connection_init"}')
    expect(await raw.next()).toBe('{"type":"connection_ack"}')
    return raw
  }

  test('4401 subscribe before ack, 4409 duplicate id, 4429 second init, 4400 invalid message, 4406 no subprotocol', async () => {
    const gql = await mockGraphqlWs().onSubscribe('OnPrice', Array.from({ length: 100 }, () => ({ data: { price: 1 } })), { intervalMs: 50 })
    const sub = '{"id":"1","type":"subscribe","payload":{"query":"subscription OnPrice { price }"}}'

    const early = await connectClient(gql.url, 'graphql-transport-ws')
    early.send(sub)
    expect(await early.closed).toEqual({ code: 4401, reason: 'Unauthorized' })

    const dup = await rawAcked(gql)
    dup.send(sub)
    dup.send(sub)
    expect(await dup.closed).toEqual({ code: 4409, reason: 'Subscriber for 1 already exists' })

    const twice = await rawAcked(gql)
    twice.send('{"type":"connection_init"}')
    expect(await twice.closed).toEqual({ code: 4429, reason: 'Too many initialisation requests' })

    for (const bad of ['not json', '{"type":"nope"}', '{"id":"","type":"subscribe","payload":{"query":"{ a }"}}', '{"type":"subscribe","payload":{}}', '{"id":"1","type":"next","payload":{}}']) {
      const raw = await rawAcked(gql)
      raw.send(bad)
      expect((await raw.closed).code, bad).toBe(4400)
    }

    const noProtocol = await connectClient(gql.url)
    expect(await noProtocol.closed).toEqual({ code: 4406, reason: 'Subprotocol not acceptable' })
    // Nothing a client sends takes the mock down.
    const fresh = gqlClient(gql.url)
    expect((await collect(fresh, { query: 'subscription OnPrice { price }' }, (_v, values) => values.length === 2 && fresh.dispose())).values.length).toBeGreaterThanOrEqual(1)
    await fresh.dispose()
    expect(gql.failures).toEqual([])
  })

  test('fuzz: whatever a client sends, the mock answers or closes with a protocol code, and keeps serving', async () => {
    const gql = await mockGraphqlWs().onSubscribe('OnPrice', [{ data: { price: 1 } }, { data: { price: 2 } }]).onQuery(/query/, (v) => ({ data: { v } }))
    const types = fc.constantFrom('connection_init', 'connection_ack', 'ping', 'pong', 'subscribe', 'next', 'error', 'complete', 'nope', '')
    const message = fc.oneof(
      fc.string(),
      fc.json(),
      fc.record({ type: types, id: fc.oneof(fc.string(), fc.integer(), fc.constant(undefined)), payload: fc.oneof(fc.anything(), fc.record({ query: fc.oneof(fc.string(), fc.constant('query Q { a }')), variables: fc.anything() })) }).map((m) => JSON.stringify(m)),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 4 }), async (messages) => {
        const raw = await connectClient(gql.url, 'graphql-transport-ws')
        raw.send('{"type":"connection_init"}')
        expect(await raw.next()).toBe('{"type":"connection_ack"}')
        for (const m of messages) raw.send(m)
        // A ping after the messages: either its pong comes back (the connection survived them) or the connection closed.
        raw.send('{"type":"ping","payload":{"probe":true}}')
        const outcome = await Promise.race([
          (async () => {
            for (;;) if ((await raw.next()) === '{"type":"pong","payload":{"probe":true}}') return 'alive'
          })().catch(() => 'closed'),
          raw.closed.then((c) => c.code),
        ])
        if (outcome !== 'alive') expect([4400, 4409, 4429]).toContain((await raw.closed).code)
        await raw.close()
      }),
      { numRuns: 40 },
    )
    const client = gqlClient(gql.url)
    expect((await collect(client, { query: PRICE })).values).toHaveLength(2)
    await client.dispose()
  })

  test('4408 when connection_init does not come in time; strict records protocol errors as failures', async () => {
    const gql = await mockGraphqlWs({ strict: true, connectionInitWaitTimeoutMs: 50 })
    const silent = await connectClient(gql.url, 'graphql-transport-ws')
    expect(await silent.closed).toEqual({ code: 4408, reason: 'Connection initialisation timeout' })
    const rude = await connectClient(gql.url, 'graphql-transport-ws')
    rude.send('{"type":"connection_init"}')
    await rude.next()
    rude.send('{"type":"connection_ack"}')
    expect(await rude.closed).toEqual({ code: 4400, reason: 'Unexpected message type "connection_ack" from the client' })
    expect(gql.failures.map((f) => f.message)).toEqual(['message 2: Unexpected message type "connection_ack" from the client'])
    const report = await gql.close().then(() => '', (e: unknown) => (e as Error).message)
    expect(report).toContain('connection #2, step 2: unexpected message')
    expect(report).toContain('actual:   {"type":"connection_ack"} (closed with 4400: Unexpected message type "connection_ack" from the client)')
  })
})

describe('results, latency, teardown, replay', () => {
  test('a results function that throws: the client gets an error, the mock a send-failed failure, the mock keeps serving', async () => {
    const gql = await mockGraphqlWs()
      .onSubscribe('Boom', () => {
        throw new Error('no price today')
      })
      .onSubscribe('OnPrice', [{ data: { price: 1 } }])
    const client = gqlClient(gql.url)
    const outcome = await collect(client, { query: 'subscription Boom { price }' })
    expect(outcome.error).toEqual([{ message: 'mockforge-ws: the results of "Boom" failed: no price today' }])
    expect(gql.failures.map((f) => [f.kind, f.message])).toEqual([['send-failed', 'the results of "Boom" for "Boom" failed: no price today']])
    expect((await collect(client, { query: PRICE })).values).toEqual([{ data: { price: 1 } }])
    await client.dispose()
  })

  test('latency applies to the protocol messages (fixed 60 ms on every server message)', async () => {
    const gql = await mockGraphqlWs().latency({ distribution: 'fixed', baseMs: 60 }).onQuery('Me', { data: { me: { id: '1' } } })
    const client = gqlClient(gql.url, { lazy: false })
    await new Promise<void>((resolve) => client.on('connected', () => resolve()))
    const start = performance.now()
    expect((await collect(client, { query: 'query Me { me { id } }' })).values).toHaveLength(1)
    expect(performance.now() - start).toBeGreaterThanOrEqual(55)
    await client.dispose()
  })

  test('operations stay bounded by maxTranscript, keeping the newest', async () => {
    const gql = await mockGraphqlWs({ maxTranscript: 10 }).onQuery(/query/, (variables) => ({ data: { n: variables['n'] } }))
    const client = gqlClient(gql.url)
    for (let n = 1; n <= 30; n++) await collect(client, { query: 'query N($n: Int) { n }', variables: { n } })
    expect(gql.operations.length).toBeLessThanOrEqual(11)
    expect(gql.operations.at(-1)?.variables).toEqual({ n: 30 })
    await client.dispose()
  })

  test('bad configuration is reported at once, every problem together', () => {
    expect(() => mockGraphqlWs().onSubscribe('', 'nope' as never, { intervalMs: -1 })).toThrowErrorMatchingInlineSnapshot(
      `[MockWsError: Failed to configure onSubscribe(): match must be an operation name or a RegExp, got ""; results must be a result object, a list of them or a function, got string; intervalMs must be a number of ms from 0 to 2147483647, got -1. Example: .onSubscribe('OnPrice', [{ data: { price: 1 } }], { intervalMs: 10 })]`,
    )
    expect(() => mockGraphqlWs({ connectionInitWaitTimeoutMs: 0 })).toThrow('connectionInitWaitTimeoutMs must be a number > 0')
    expect(() => mockGraphqlWs().onSubscribe('A', [{ data: {} }, 3 as never])).toThrow('results[1] must be an object')
  })

  test('a missing peer is named in the error', async () => {
    await expect(loadGraphqlPeers({ graphqlWs: 'graphql-ws-not-installed/client' })).rejects.toThrow(
      'Failed to start mockGraphqlWs(): the optional package graphql-ws-not-installed is not installed. Run npm i -D graphql-ws graphql',
    )
  })

  test('closeAllMocks() closes a kit mock and its clients; nothing is left', async () => {
    const leaks = watchLeaks()
    const gql = await mockGraphqlWs().onSubscribe('OnPrice', Array.from({ length: 1000 }, () => ({ data: { price: 1 } })), { intervalMs: 20 })
    const client = gqlClient(gql.url, { retryAttempts: 0 })
    const closed = nextClose(client)
    const stream = collect(client, { query: PRICE })
    await vi.waitFor(() => expect(gql.sent.some((f) => f.text?.includes('"type":"next"'))).toBe(true))
    expect(liveMockCount()).toBe(1)
    await closeAllMocks()
    expect(liveMockCount()).toBe(0)
    expect(await closed).toEqual({ code: 1001, reason: 'mock server closed' })
    expect((await stream).error).toBeDefined()
    await client.dispose()
    await leaks.expectNone()
  })

  test('toReplay(): a recorded kit session replays from a plain mockWs() to a fresh graphql-ws client, in strict mode', async () => {
    const gql = await mockGraphqlWs().onSubscribe('OnPrice', [{ data: { price: 1 } }, { data: { price: 2 } }], { intervalMs: 10 })
    const first = gqlClient(gql.url)
    const recorded = await collect(first, { query: PRICE })
    await first.dispose()
    await vi.waitFor(() => expect(gql.transcript.some((f) => f.close)).toBe(true))
    const entries = gql.toReplay()
    expect(entries.map((e) => e.dir)).toEqual(['in', 'out', 'in', 'out', 'out', 'out'])
    expect(entries[0]).toEqual({ ts: expect.any(Number), dir: 'in', json: { type: 'connection_init' } })
    expect(entries[2]).toEqual({ ts: expect.any(Number), dir: 'in', json: { type: 'subscribe', payload: { query: PRICE } }, capture: { id1: '$.id' } })
    expect(entries[3]?.text).toBe('{"id":"{{match.id1}}","type":"next","payload":{"data":{"price":1}}}')
    await gql.close()

    const replay = await mockWs({ path: '/graphql', protocols: ['graphql-transport-ws'], strict: true }).replay(entries)
    const second = gqlClient(replay.url)
    expect(await collect(second, { query: PRICE })).toEqual(recorded)
    await second.dispose()
    await replay.close()
  })
  test('toReplay(): two subscriptions live at once replay to a fresh client, each id captured and echoed (accumulating captures)', async () => {
    const gql = await mockGraphqlWs()
      .onSubscribe('OnPrice', [{ data: { price: 1 } }, { data: { price: 2 } }, { data: { price: 3 } }], { intervalMs: 10 })
      .onSubscribe('OnNews', [{ data: { headline: 'a' } }, { data: { headline: 'b' } }], { intervalMs: 10 })
    const first = gqlClient(gql.url)
    const recorded = await Promise.all([collect(first, { query: PRICE }), collect(first, { query: NEWS })])
    await first.dispose()
    await vi.waitFor(() => expect(gql.transcript.some((f) => f.close)).toBe(true))
    const entries = gql.toReplay()
    await gql.close()

    const replay = await mockWs({ path: '/graphql', protocols: ['graphql-transport-ws'], strict: true }).replay(entries)
    const second = gqlClient(replay.url)
    expect(await Promise.all([collect(second, { query: PRICE }), collect(second, { query: NEWS })])).toEqual(recorded)
    await second.dispose()
    await replay.close()
  })

  test('toReplay(): result text with {{ in it replays literally, never expanded', async () => {
    const gql = await mockGraphqlWs().onQuery('Me', { data: { me: { bio: 'I write {{uuid}} and {{seq}}' } } })
    const first = gqlClient(gql.url)
    const recorded = await collect(first, { query: 'query Me { me { bio } }' })
    expect(recorded.values).toEqual([{ data: { me: { bio: 'I write {{uuid}} and {{seq}}' } } }])
    await first.dispose()
    await vi.waitFor(() => expect(gql.connections).toHaveLength(0))
    const jsonl = gql.toJSONL()
    await gql.close()
    const replay = await mockWs({ path: '/graphql', protocols: ['graphql-transport-ws'], strict: true }).replay(jsonl)
    const second = gqlClient(replay.url)
    expect(await collect(second, { query: 'query Me { me { bio } }' })).toEqual(recorded)
    await second.dispose()
    await replay.close()
  })
})
