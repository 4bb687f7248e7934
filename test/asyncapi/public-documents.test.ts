import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { describe, expect, test, vi } from 'vitest'
import { loadAsyncApi, mockWs, type MockWs, ScenarioFailureError } from '../../src/index.js'
import type { TestClient } from '../support/client.js'
import { useTestScope } from '../support/scope.js'

// The first parse of a document in a process takes seconds on a loaded machine (bench/asyncapi.bench.mjs).
const PARSE_TIMEOUT_MS = 90_000

// Real public AsyncAPI documents of WebSocket APIs, read from the npm packages that ship them (devDependencies).
const require = createRequire(import.meta.url)
const validatorDir = dirname(require.resolve('asyncapi-validator/package.json'))
const helpersDir = dirname(require.resolve('@asyncapi/generator-helpers/package.json'))
const SLACK_2_0 = join(validatorDir, 'test/schemas/v2.0.0/slack.yml')
const SLACK_2_4 = join(validatorDir, 'test/schemas/v2.4.0/slack.yml')
const GEMINI_3_0 = join(helpersDir, 'test/__fixtures__/asyncapi-websocket-query.yml')

const scope = useTestScope()

// A strict mock's close rejects with the failures the tests check: that does not fail the test.
const start = (build: PromiseLike<MockWs>): Promise<MockWs> => scope.mock(build, { ignoreCloseError: true })
const connect = (url: string): Promise<TestClient> => scope.client(url)

describe.each([
  ['2.0.0', SLACK_2_0],
  ['2.4.0', SLACK_2_4],
])('Slack Real Time Messaging API, AsyncAPI %s (publish/subscribe inversion)', { timeout: PARSE_TIMEOUT_MS }, (version, file) => {
  test('listens at the server pathname + channel "/", and reads publish as what Slack receives, subscribe as what it sends', { timeout: PARSE_TIMEOUT_MS }, async () => {
    const contract = await loadAsyncApi(file)
    expect(contract).toMatchObject({ version, channel: '/', server: 'production', path: '/api/rtm.connect' })
    // publish = clients publish to the application: the one message Slack receives
    expect(contract.receives.map((m) => m.name)).toEqual(['outgoingMessage'])
    expect(contract.receives[0]?.location).toBe('components.messages.outgoingMessage')
    // subscribe = clients subscribe to what the application sends: the events
    expect(contract.sends.length).toBeGreaterThan(40)
    expect(contract.sends[0]).toMatchObject({ name: 'hello', location: 'components.messages.hello' })
    // The document has no examples: the mock sends nothing of its own.
    expect(contract.sends.flatMap((m) => m.examples)).toEqual([])
  })

  test('a valid client message yields no failure; an invalid one (a server event sent by the client) is a schema-mismatch; strict reports it', { timeout: PARSE_TIMEOUT_MS }, async () => {
    const ws = await start(mockWs({ strict: true }).asyncApi(file))
    expect(ws.url).toBe(`ws://127.0.0.1:${ws.port}/api/rtm.connect`)
    const client = await connect(ws.url)
    client.send(JSON.stringify({ id: 1, type: 'message', channel: 'C024BE91L', text: 'Hello world' }))
    await ws.nextMessage()
    expect(ws.failures).toEqual([])
    ws.send(JSON.stringify({ type: 'hello' })) // an event Slack sends: fits its own schema
    expect(await client.next()).toBe('{"type":"hello"}')
    client.send(JSON.stringify({ type: 'hello' }))
    await vi.waitFor(() => expect(ws.failures).toHaveLength(1))
    expect(ws.failures[0]?.schema).toEqual({
      candidates: [{ name: 'outgoingMessage', location: 'components.messages.outgoingMessage' }],
      pointer: '/type',
      error: 'must be equal to one of the allowed values ("message")',
    })
    await client.close()
    const error = await ws.close().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ScenarioFailureError)
    expect((error as Error).message).toContain('at /type: must be equal to one of the allowed values ("message")')
  })
})

describe('Gemini Market Data WebSocket API, AsyncAPI 3.0.0 (the AsyncAPI generator fixture)', { timeout: PARSE_TIMEOUT_MS }, () => {
  test('listens at the chosen server pathname + the channel address, {symbol} as a route pattern', async () => {
    const ws = await start(mockWs().asyncApi(GEMINI_3_0, { channel: 'marketDataV1', server: 'withPathname' }))
    expect(ws.path).toBe('/v1/marketdata/{symbol}')
    const client = await connect(`ws://127.0.0.1:${ws.port}/v1/marketdata/btcusd`)
    // action: send operations in document order; each message's examples once, in order
    expect([await client.next(), await client.next(), await client.next(), await client.next()]).toEqual(['test', 'test', 'false', '123'])
    client.send('{"messageType":"marketUpdate","data":"x"}')
    await ws.nextMessage()
    expect(ws.failures).toEqual([])
  })

  test('without a server option the first wss server counts; action: receive messages are the candidates', async () => {
    const contract = await loadAsyncApi(GEMINI_3_0, { channel: 'marketDataV1' })
    expect(contract).toMatchObject({ version: '3.0.0', server: 'withHostDuplicatingProtocol', path: '/{symbol}' })
    expect(contract.sends.map((m) => m.name)).toEqual(['noExamples', 'oneExample', 'multipleExamples'])
    expect(contract.receives.map((m) => m.location)).toEqual([
      'channels.marketDataV1.messages.noExamples',
      'channels.marketDataV1.messages.oneExample',
      'channels.marketDataV1.messages.multipleExamples',
      'channels.marketDataV1.messages.MarketUpdateMessage',
      'channels.marketDataV1.messages.MessageWithoutDiscriminator',
      'channels.marketDataV1.messages.MessageWithDiscriminatorNoConst',
    ])
    expect(contract.sends[1]?.examples).toEqual([{ location: 'channels.marketDataV1.messages.oneExample.examples[0]', line: expect.any(Number), value: 'test', text: 'test' }])
  })

  test('a client message on a channel that receives nothing is a schema-mismatch; strict reports it', async () => {
    const ws = await start(mockWs({ strict: true }).asyncApi(GEMINI_3_0, { channel: 'wsBindingNoQuery' }))
    expect(ws.path).toBe('/no-query')
    const client = await connect(ws.url)
    client.send('{"type":"subscribe"}')
    await vi.waitFor(() => expect(ws.failures).toHaveLength(1))
    expect(ws.failures[0]?.schema).toEqual({ candidates: [], pointer: '', error: 'the document has no message the application receives on channel "wsBindingNoQuery"' })
    await client.close()
    await expect(ws.close()).rejects.toThrow(/no message the application receives on channel "wsBindingNoQuery"/)
  })
})
