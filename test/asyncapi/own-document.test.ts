import { fileURLToPath } from 'node:url'
import { describe, expect, test, vi } from 'vitest'
import { WebSocketServer } from 'ws'
import { mockWs, type MockWs, ScenarioFailureError } from '../../src/index.js'
import { upgradeStatus, type TestClient } from '../support/client.js'
import { useTestScope } from '../support/scope.js'

// The first parse of a document in a process takes seconds on a loaded machine (bench/asyncapi.bench.mjs).
const PARSE_TIMEOUT_MS = 90_000

const MARKET = fileURLToPath(new URL('../../examples/asyncapi-market.yaml', import.meta.url))
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

const scope = useTestScope()

// A strict mock's close rejects with the failures the tests check: that does not fail the test.
const start = (build: PromiseLike<MockWs>): Promise<MockWs> => scope.mock(build, { ignoreCloseError: true })
const connect = (url: string): Promise<TestClient> => scope.client(url)

describe('asyncApi() with a document of our own (required, enum, nested schemas, a channel parameter)', { timeout: PARSE_TIMEOUT_MS }, () => {
  test('listens at server pathname + channel address, the parameter as any one segment, and sends the examples in document order', async () => {
    const ws = await start(mockWs().asyncApi(MARKET))
    expect(ws.path).toBe('/v1/markets/{symbol}')
    expect(ws.url).toBe(`ws://127.0.0.1:${ws.port}/v1/markets/symbol`)
    const client = await connect(`ws://127.0.0.1:${ws.port}/v1/markets/BTC-USD`)
    const welcome = JSON.parse(String(await client.next())) as { type: string; sessionId: string }
    expect(welcome.type).toBe('welcome')
    expect(welcome.sessionId).toMatch(UUID) // the example's {{uuid}} template, expanded
    expect(JSON.parse(String(await client.next()))).toEqual({ type: 'trade', symbol: 'BTC-USD', price: 64000.5, size: 0.25, side: 'buy' })
    expect(JSON.parse(String(await client.next()))).toEqual({ type: 'trade', symbol: 'BTC-USD', price: 64001, size: 1, side: 'sell' })
    expect(ws.failures).toEqual([]) // the mock's own sends fit their schemas (format: uuid included)
  })

  test('other paths are refused with 404', async () => {
    const ws = await start(mockWs().asyncApi(MARKET))
    expect(await upgradeStatus(`ws://127.0.0.1:${ws.port}/v1/markets`)).toBe(404)
  })

  test('a valid client message yields no failure, even in strict mode', async () => {
    const ws = await start(mockWs({ strict: true }).asyncApi(MARKET, { channel: 'market' }))
    const client = await connect(`ws://127.0.0.1:${ws.port}/v1/markets/ETH-USD`)
    client.send(JSON.stringify({ type: 'subscribe', channels: [{ name: 'trades' }, { name: 'book', depth: 10 }] }))
    client.send(JSON.stringify({ type: 'order', order: { side: 'sell', size: 2, limit: 3100 } }))
    await ws.nextMessage()
    await ws.nextMessage()
    await client.close()
    await ws.close() // strict: would reject on any failure
    expect(ws.failures).toEqual([])
  })

  test('an invalid client message is a schema-mismatch failure naming the candidates, the JSON pointer and the schema error', async () => {
    const ws = await start(mockWs().asyncApi(MARKET))
    const client = await connect(`ws://127.0.0.1:${ws.port}/v1/markets/BTC-USD`)
    client.send(JSON.stringify({ type: 'subscribe', channels: [{ name: 'candles' }] }))
    client.send(JSON.stringify({ type: 'order', order: { side: 'buy' } }))
    client.send('not json')
    await vi.waitFor(() => expect(ws.failures).toHaveLength(3))
    const [badEnum, missing, notJson] = ws.failures
    expect(badEnum).toMatchObject({
      kind: 'schema-mismatch',
      connection: 1,
      actual: expect.stringContaining('{"type":"subscribe","channels":[{"name":"candles"}]}'),
      schema: {
        candidates: [
          { name: 'subscribe', location: 'components.messages.subscribe' },
          { name: 'placeOrder', location: 'components.messages.placeOrder' },
        ],
        pointer: '/channels/0/name',
        error: 'must be equal to one of the allowed values ("trades", "book")',
      },
    })
    expect(badEnum?.message).toBe(
      'Client message fits no message the application receives on channel "market": checked against subscribe (components.messages.subscribe), placeOrder (components.messages.placeOrder); closest: at /channels/0/name: must be equal to one of the allowed values ("trades", "book")',
    )
    expect(missing?.schema).toMatchObject({ pointer: '/order', error: "must have required property 'size'" })
    expect(missing?.schema?.candidates[0]?.name).toBe('placeOrder')
    expect(notJson?.schema).toMatchObject({ pointer: '', error: 'must be object' })
  })

  test('strict mode reports the failure when the mock closes', async () => {
    const ws = await start(mockWs({ strict: true }).asyncApi(MARKET))
    const client = await connect(`ws://127.0.0.1:${ws.port}/v1/markets/BTC-USD`)
    client.send(JSON.stringify({ type: 'subscribe', channels: [] }))
    await vi.waitFor(() => expect(ws.failures).toHaveLength(1))
    await client.close()
    const error = await ws.close().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ScenarioFailureError)
    expect((error as Error).message).toContain('message breaks the AsyncAPI schema')
    expect((error as Error).message).toContain('at /channels: must NOT have fewer than 1 items')
    expect((error as Error).message).toContain(`components.messages.subscribe at ${MARKET}:`)
  })

  test("an example that breaks its own schema is still sent, and recorded as a failure naming the example's place in the document", async () => {
    const doc = {
      asyncapi: '3.0.0',
      info: { title: 'Broken example', version: '1.0.0' },
      channels: { feed: { address: '/feed', messages: { tick: { $ref: '#/components/messages/tick' } } } },
      operations: { sendTicks: { action: 'send', channel: { $ref: '#/channels/feed' }, messages: [{ $ref: '#/channels/feed/messages/tick' }] } },
      components: {
        messages: {
          tick: {
            payload: { type: 'object', required: ['price'], properties: { price: { type: 'number' } } },
            examples: [{ payload: { price: 1 } }, { payload: { price: 'one' } }],
          },
        },
      },
    }
    const ws = await start(mockWs().asyncApi(doc))
    expect(ws.path).toBe('/feed')
    const client = await connect(ws.url)
    expect(await client.next()).toBe('{"price":1}')
    expect(await client.next()).toBe('{"price":"one"}')
    await vi.waitFor(() => expect(ws.failures).toHaveLength(1))
    expect(ws.failures[0]).toMatchObject({
      kind: 'schema-mismatch',
      origin: { file: '<inline>', description: 'components.messages.tick.examples[1]' },
      schema: { example: 'components.messages.tick.examples[1]', pointer: '/price', error: 'must be number' },
    })
    expect(ws.failures[0]?.message).toContain('The mock sent the example components.messages.tick.examples[1]')
  })

  test("validate: 'warn' warns once per distinct problem and records no failure; 'off' checks nothing", async () => {
    const warnings: string[] = []
    const onWarning = (w: Error): void => {
      if (w.message.includes('AsyncAPI') || w.message.includes('fits no message')) warnings.push(w.message)
    }
    process.on('warning', onWarning)
    try {
      const ws = await start(mockWs().asyncApi(MARKET, { validate: 'warn' }))
      const client = await connect(`ws://127.0.0.1:${ws.port}/v1/markets/BTC-USD`)
      for (let i = 0; i < 3; i++) client.send('{"type":"subscribe","channels":[]}')
      client.send('{"type":"order"}')
      for (let i = 0; i < 4; i++) await ws.nextMessage()
      await vi.waitFor(() => expect(warnings).toHaveLength(2))
      expect(warnings[0]).toContain('at /channels: must NOT have fewer than 1 items')
      expect(ws.failures).toEqual([])

      const off = await start(mockWs({ strict: true }).asyncApi(MARKET, { validate: 'off' }))
      const other = await connect(`ws://127.0.0.1:${off.port}/v1/markets/X`)
      other.send('anything at all')
      await off.nextMessage()
      expect(off.failures).toEqual([])
    } finally {
      process.off('warning', onWarning)
    }
  })

  test('the path option overrides the document; user steps after asyncApi() play after the examples', async () => {
    const ws = await start(mockWs().asyncApi(MARKET, { path: '/custom' }).send('{"type":"trade","symbol":"X","price":1,"size":1,"side":"buy"}'))
    expect(ws.path).toBe('/custom')
    const client = await connect(ws.url)
    for (let i = 0; i < 3; i++) await client.next()
    expect(JSON.parse(String(await client.next()))).toMatchObject({ symbol: 'X' })
    expect(ws.failures).toEqual([])
  })

  test('with proxy(): the real server behind the mock is checked against the document (its frames and the client\'s)', async () => {
    const upstream = new WebSocketServer({ port: 0, host: '127.0.0.1' })
    await new Promise<void>((resolve) => upstream.once('listening', () => resolve()))
    // Deferred first, so closed last: after the mock that proxies to it.
    scope.defer(() => new Promise<void>((resolve) => upstream.close(() => resolve())))
    upstream.on('connection', (socket) => socket.send('{"type":"trade","symbol":"BTC-USD","price":0,"size":1,"side":"buy"}'))
    const port = (upstream.address() as { port: number }).port
    const ws = await start(mockWs().asyncApi(MARKET).proxy(`ws://127.0.0.1:${port}/feed`))
    const client = await connect(`ws://127.0.0.1:${ws.port}/v1/markets/BTC-USD`)
    expect(JSON.parse(String(await client.next()))).toMatchObject({ price: 0 })
    await vi.waitFor(() => expect(ws.failures).toHaveLength(1))
    expect(ws.failures[0]?.schema).toMatchObject({ pointer: '/price', error: 'must be > 0' })
    expect(ws.failures[0]?.message).toContain('Server message fits no message the application sends on channel "market": checked against trade')
    await client.close()
  })
})
