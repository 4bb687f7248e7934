import { once } from 'node:events'
import { SpanStatusCode } from '@opentelemetry/api'
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { WebSocket } from 'ws'
import { closeAllMocks, liveMockCount, mockWs, resetMetrics } from '../../src/index.js'
import { metric, useTracerSdk } from './support.js'

// End to end through mockWs(): the engine includes the telemetry observer by default.

const TRACE_ID = '5c1a2f0e9d8b7a6f5e4d3c2b1a0f9e8d'
const PARENT_SPAN_ID = '1f2e3d4c5b6a7988'

const registerSdk = useTracerSdk()

async function echoOnce(url: string, headers?: Record<string, string>): Promise<void> {
  const client = new WebSocket(url, { headers })
  await once(client, 'open')
  const echoed = once(client, 'message')
  client.send('ping')
  await echoed
  const closed = once(client, 'close')
  client.close(1000, 'done')
  await closed
}

beforeEach(() => {
  resetMetrics()
})

afterEach(async () => {
  await closeAllMocks()
  expect(liveMockCount()).toBe(0)
})

describe('mockWs() telemetry', () => {
  test('traces each connection and message under the client trace', async () => {
    const exporter = registerSdk()
    const ws = await mockWs()
    await echoOnce(ws.url, { traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-01` })
    await vi.waitFor(() => expect(exporter.getFinishedSpans().map((s) => s.name)).toContain('WS Connect /ws'))

    const spans = exporter.getFinishedSpans()
    expect(spans.map((s) => s.name)).toEqual(['WS Message in', 'WS Message out', 'WS Connect /ws'])
    const connect = spans[2]
    expect(connect?.parentSpanContext?.spanId).toBe(PARENT_SPAN_ID)
    expect(connect?.status.code).toBe(SpanStatusCode.OK)
    expect(connect?.attributes).toMatchObject({
      'ws.path': '/ws',
      'network.protocol.name': 'websocket',
      'ws.messages.sent': 1,
      'ws.messages.received': 1,
      'ws.close.code': 1000,
      'ws.close.reason': 'done',
    })
    for (const message of spans.slice(0, 2)) {
      expect(message.spanContext().traceId).toBe(TRACE_ID)
      expect(message.parentSpanContext?.spanId).toBe(connect?.spanContext().spanId)
      expect(message.attributes).toMatchObject({ 'ws.message.type': 'text', 'ws.message.size': 4 })
    }
  })

  test('counts metrics without a tracer provider', async () => {
    const ws = await mockWs()
    await echoOnce(ws.url)
    await vi.waitFor(async () => expect(await metric('mockforge_ws_connections_active')).toBe(0))
    expect(await metric('mockforge_ws_connections_total')).toBe(1)
    expect(await metric('mockforge_ws_messages_received_total')).toBe(1)
    expect(await metric('mockforge_ws_messages_sent_total')).toBe(1)
  })

  test('telemetry: false turns spans and metrics off for that mock', async () => {
    const exporter = registerSdk()
    const ws = await mockWs({ telemetry: false })
    await echoOnce(ws.url)
    await vi.waitFor(() => expect(ws.connections).toHaveLength(0))
    expect(exporter.getFinishedSpans()).toEqual([])
    expect(await metric('mockforge_ws_connections_total')).toBe(0)
  })

  test('counts refused handshakes (wrong path) as handshake errors', async () => {
    const ws = await mockWs({ path: '/ws' })
    const client = new WebSocket(`ws://127.0.0.1:${ws.port}/nope`)
    const [error] = (await once(client, 'error')) as [Error]
    expect(error.message).toBe('Unexpected server response: 404')
    expect(await metric('mockforge_ws_errors_total', { kind: 'handshake' })).toBe(1)
    expect(await metric('mockforge_ws_connections_total')).toBe(0)
  })
})
