import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { WebSocketServer } from 'ws'
import { mockWs } from '../../src/index.js'
import { runCli } from '../support/cli.js'
import { connectClient } from '../support/client.js'

// The first parse of a document in a process takes seconds on a loaded machine (bench/asyncapi.bench.mjs).
const PARSE_TIMEOUT_MS = 90_000

const MARKET = fileURLToPath(new URL('../../examples/asyncapi-market.yaml', import.meta.url))
const TWO_CHANNELS = fileURLToPath(new URL('../fixtures/asyncapi/two-channels.yaml', import.meta.url))

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mockforge-ws-asyncapi-cli-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function cli(args: string[]): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const p = runCli(args)
  const code = await p.exited
  return { code, stdout: p.stdout(), stderr: p.stderr() }
}

describe('mockforge-ws asyncapi SPEC --channel NAME --out FILE.jsonl', { timeout: PARSE_TIMEOUT_MS }, () => {
  test('writes a replay file of the examples, in document order, that validate --asyncapi accepts', async () => {
    const out = join(dir, 'market.jsonl')
    const made = await cli(['asyncapi', MARKET, '--channel', 'market', '--out', out])
    expect(made).toMatchObject({ code: 0, stderr: '' })
    expect(made.stdout).toBe(`wrote 3 entries to ${out} (AsyncAPI 3.0.0, channel "market", path /v1/markets/{symbol})\n`)
    const lines = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { ts: number; dir: string; text: string })
    expect(lines).toEqual([
      { ts: 0, dir: 'out', text: '{"type":"welcome","sessionId":"{{uuid}}"}' },
      { ts: 0, dir: 'out', text: '{"type":"trade","symbol":"BTC-USD","price":64000.5,"size":0.25,"side":"buy"}' },
      { ts: 0, dir: 'out', text: '{"type":"trade","symbol":"BTC-USD","price":64001,"size":1,"side":"sell"}' },
    ])
    const checked = await cli(['validate', '--asyncapi', MARKET, out])
    expect(checked).toMatchObject({ code: 0, stderr: '', stdout: `ok ${out}: 3 entries fit ${MARKET}\n` })
  })

  test('a document with several channels and no --channel: exit 1 listing them; nothing written', async () => {
    const out = join(dir, 'x.jsonl')
    const result = await cli(['asyncapi', TWO_CHANNELS, '--out', out])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(`mockforge-ws: Failed to use AsyncAPI document ${TWO_CHANNELS}: it has 2 channels ("prices", "orders"). Choose one with { channel } (CLI: --channel).\n`)
    await expect(readFile(out, 'utf8')).rejects.toThrow(/ENOENT/)
  })
})

describe('mockforge-ws validate --asyncapi SPEC FILE.jsonl', { timeout: PARSE_TIMEOUT_MS }, () => {
  test('catches a recording (made through the proxy) of a real ws server that breaks the spec: exit 1, file:line and the schema error', async () => {
    // A real server that speaks almost the documented protocol: its second trade has an undocumented side.
    const upstream = new WebSocketServer({ port: 0, host: '127.0.0.1' })
    await new Promise<void>((resolve) => upstream.once('listening', () => resolve()))
    upstream.on('connection', (socket) => {
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string }
        if (message.type !== 'subscribe') return
        socket.send(JSON.stringify({ type: 'trade', symbol: 'BTC-USD', price: 1, size: 1, side: 'buy' }))
        socket.send(JSON.stringify({ type: 'trade', symbol: 'BTC-USD', price: 2, size: 1, side: 'hold' }))
      })
    })
    const port = (upstream.address() as { port: number }).port
    const file = join(dir, 'recording.jsonl')
    const proxy = await mockWs({ path: '/v1/markets/BTC-USD' }).proxy(`ws://127.0.0.1:${port}/v1/markets/BTC-USD`, { record: { file } })
    try {
      const client = await connectClient(proxy.url)
      client.send(JSON.stringify({ type: 'subscribe', channels: [{ name: 'trades' }] }))
      expect(JSON.parse(String(await client.next()))).toMatchObject({ side: 'buy' })
      expect(JSON.parse(String(await client.next()))).toMatchObject({ side: 'hold' })
      client.send(JSON.stringify({ type: 'order', order: { side: 'buy', size: -1 } }))
      await proxy.nextMessage()
      await proxy.nextMessage()
      await client.close()
    } finally {
      await proxy.close() // writes the recording
      await new Promise<void>((resolve) => upstream.close(() => resolve()))
    }
    const recorded = (await readFile(file, 'utf8')).split('\n')
    const holdLine = recorded.findIndex((l) => l.includes('hold')) + 1
    const orderLine = recorded.findIndex((l) => l.includes('order') && l.includes('-1')) + 1
    expect(holdLine).toBeGreaterThan(0)
    expect(orderLine).toBeGreaterThan(holdLine)

    const result = await cli(['validate', '--asyncapi', MARKET, file])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr.split('\n')).toEqual([
      `${file}:${holdLine}: schema-mismatch: server frame fits no message the application sends on channel "market": checked against trade (components.messages.trade), welcome (components.messages.welcome); closest: at /side: must be equal to one of the allowed values ("buy", "sell")`,
      `${file}:${orderLine}: schema-mismatch: client frame fits no message the application receives on channel "market": checked against placeOrder (components.messages.placeOrder), subscribe (components.messages.subscribe); closest: at /order/size: must be > 0`,
      '1 of 1 file invalid',
      '',
    ])
  })

  test('a bad document fails with its diagnostics before any file is read', async () => {
    const result = await cli(['validate', '--asyncapi', fileURLToPath(new URL('../fixtures/asyncapi/openapi.yaml', import.meta.url)), join(dir, 'none.jsonl')])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('This is not an AsyncAPI document.')
    expect(result.stderr).toContain('openapi.yaml:1:1:')
  })

  test('json and waitForJson entries are checked as subsets: left-out required properties are fine, wrong values are not', async () => {
    const file = join(dir, 'subsets.jsonl')
    await writeFile(
      file,
      [
        '{"ts":0,"dir":"in","json":{"type":"subscribe"}}',
        '{"ts":0,"dir":"out","waitForJson":{"type":"order"},"text":"{\\"type\\":\\"trade\\",\\"symbol\\":\\"X\\",\\"price\\":1,\\"size\\":1,\\"side\\":\\"buy\\"}"}',
        '{"ts":0,"dir":"in","json":{"type":"order","order":{"side":"hold"}}}',
        '{"ts":0,"dir":"out","waitForJson":{"type":"subscribe","channels":[{"name":"candles"}]},"text":"ok"}',
        '',
      ].join('\n'),
    )
    const result = await cli(['validate', '--asyncapi', MARKET, file])
    expect(result.code).toBe(1)
    expect(result.stderr.split('\n')).toEqual([
      `${file}:3: schema-mismatch: client frame fits no message the application receives on channel "market": checked against placeOrder (components.messages.placeOrder), subscribe (components.messages.subscribe); closest: at /order/side: must be equal to one of the allowed values ("buy", "sell")`,
      `${file}:4: schema-mismatch: awaited client frame (waitForJson) fits no message the application receives on channel "market": checked against subscribe (components.messages.subscribe), placeOrder (components.messages.placeOrder); closest: at /channels/0/name: must be equal to one of the allowed values ("trades", "book")`,
      `${file}:4: schema-mismatch: server frame fits no message the application sends on channel "market": checked against welcome (components.messages.welcome), trade (components.messages.trade); closest: at the message: must be object`,
      '1 of 1 file invalid',
      '',
    ])
  })
})
