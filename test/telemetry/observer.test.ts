import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import net from 'node:net'
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { AlwaysOffSampler, type InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import type { EngineObserver, ObservedConnection } from '../../src/server/observer.js'
import { metricsRegistry, resetMetrics } from '../../src/telemetry/metrics.js'
import { createTelemetryObserver } from '../../src/telemetry/observer.js'
import { metric, useTracerSdk } from './support.js'

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c'
const PARENT_SPAN_ID = 'b7ad6b7169203331'

/**
 * A tiny echo server on real `ws` that reports to an observer the way the engine does:
 * `out` right after a frame is handed to the socket, `in` on receipt.
 */
interface Harness {
  url: string
  closedConnections: () => number
  close: () => Promise<void>
}

async function startHarness(observer: EngineObserver): Promise<Harness> {
  const server = http.createServer()
  const wss = new WebSocketServer({ noServer: true })
  let nextId = 1
  let closed = 0
  server.on('upgrade', (request, socket, head) => {
    const url = request.url ?? '/'
    if (url.startsWith('/reject')) {
      observer.handshakeRejected?.(request, 403)
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const conn: ObservedConnection = {
        id: nextId++,
        path: url.split('?')[0] ?? url,
        url,
        headers: request.headers,
        protocol: ws.protocol,
        request,
      }
      observer.connectionOpened?.(conn)
      ws.on('message', (data, isBinary) => {
        const size = Array.isArray(data) ? Buffer.concat(data).length : Buffer.from(data as ArrayBuffer).length
        observer.message?.(conn, 'in', size, isBinary)
        ws.send(data, { binary: isBinary })
        observer.message?.(conn, 'out', size, isBinary)
      })
      ws.on('error', (error) => observer.connectionError?.(conn, error))
      ws.on('close', (code, reason) => {
        observer.connectionClosed?.(conn, code, reason.toString())
        closed++
      })
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `ws://127.0.0.1:${port}`,
    closedConnections: () => closed,
    async close() {
      for (const client of wss.clients) client.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())))
      server.closeAllConnections()
      expect(server.listening).toBe(false)
      expect(wss.clients.size).toBe(0)
    },
  }
}

async function openClient(url: string, headers?: Record<string, string>): Promise<WebSocket> {
  const client = new WebSocket(url, { headers })
  await once(client, 'open')
  return client
}

async function roundTrip(client: WebSocket, data: string | Buffer): Promise<void> {
  const echoed = once(client, 'message')
  client.send(data)
  await echoed
}

async function closeClient(client: WebSocket, code?: number, reason?: string): Promise<void> {
  if (client.readyState === WebSocket.CLOSED) return
  const done = once(client, 'close')
  client.close(code, reason)
  await done
}


async function durationCount(status: string): Promise<number> {
  const json = await metricsRegistry.getMetricsAsJSON()
  const values = json.find((m) => m.name === 'mockforge_ws_connection_duration_seconds')?.values ?? []
  const sample = values.find(
    (v) => 'metricName' in v &&
      v.metricName === 'mockforge_ws_connection_duration_seconds_count' && v.labels.status === status,
  )
  return sample?.value ?? Number.NaN
}

const registerSdk = useTracerSdk()
let harness: Harness | undefined
const clients: WebSocket[] = []

async function start(): Promise<Harness> {
  harness = await startHarness(createTelemetryObserver())
  return harness
}

async function connect(path: string, headers?: Record<string, string>): Promise<WebSocket> {
  const client = await openClient(`${harness?.url}${path}`, headers)
  clients.push(client)
  return client
}

function connectSpan(exporter: InMemorySpanExporter): ReadableSpan | undefined {
  return exporter.getFinishedSpans().find((s) => s.name.startsWith('WS Connect'))
}

beforeEach(() => {
  resetMetrics()
})

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => closeClient(c)))
  await harness?.close()
  harness = undefined
})

describe('with a tracer provider', () => {
  test('a connection produces a connect span with its counts, close code and message child spans', async () => {
    const exporter = registerSdk()
    await start()
    const openedAt = performance.now()
    const client = await connect('/chat?room=1', { traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-01` })
    await roundTrip(client, 'hello')
    await roundTrip(client, Buffer.from([1, 2, 3]))
    await closeClient(client, 1000, 'bye')
    await vi.waitFor(() => expect(connectSpan(exporter)).toBeDefined())
    const elapsedMs = performance.now() - openedAt

    const span = connectSpan(exporter)
    expect(span?.name).toBe('WS Connect /chat')
    expect(span?.kind).toBe(SpanKind.SERVER)
    expect(span?.spanContext().traceId).toBe(TRACE_ID)
    expect(span?.parentSpanContext?.spanId).toBe(PARENT_SPAN_ID)
    expect(span?.status.code).toBe(SpanStatusCode.OK)
    const { ['ws.duration_ms']: durationMs, ...attributes } = span?.attributes ?? {}
    expect(attributes).toEqual({
      'ws.path': '/chat',
      'network.protocol.name': 'websocket',
      'ws.messages.sent': 2,
      'ws.messages.received': 2,
      'ws.close.code': 1000,
      'ws.close.reason': 'bye',
    })
    expect(durationMs).toBeGreaterThan(0)
    expect(durationMs).toBeLessThanOrEqual(elapsedMs)

    const messages = exporter.getFinishedSpans().filter((s) => s.name.startsWith('WS Message'))
    expect(messages.map((s) => [s.name, s.attributes['ws.message.type'], s.attributes['ws.message.size']])).toEqual([
      ['WS Message in', 'text', 5],
      ['WS Message out', 'text', 5],
      ['WS Message in', 'binary', 3],
      ['WS Message out', 'binary', 3],
    ])
    for (const message of messages) {
      expect(message.parentSpanContext?.spanId).toBe(span?.spanContext().spanId)
      expect(message.spanContext().traceId).toBe(TRACE_ID)
    }
  })

  test('a protocol error sets error status and the close is counted as abnormal', async () => {
    const exporter = registerSdk()
    const { url } = await start()
    // A client frame without the mask bit is a protocol violation the server must reject.
    const socket = net.connect(Number(new URL(url).port), '127.0.0.1')
    await once(socket, 'connect')
    socket.write(
      'GET /raw HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    )
    await once(socket, 'data')
    socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69]))
    await vi.waitFor(() => expect(connectSpan(exporter)).toBeDefined())
    socket.destroy()

    const span = connectSpan(exporter)
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'Invalid WebSocket frame: MASK must be set' })
    expect(span?.attributes['error.type']).toBe('RangeError')
    expect(span?.attributes['ws.close.code']).toBe(1006)
    expect(await metric('mockforge_ws_errors_total', { kind: 'connection' })).toBe(1)
    expect(await durationCount('abnormal')).toBe(1)
    expect(await durationCount('normal')).toBe(0)
  })

  test('a rejected handshake produces an error span and counts a handshake error', async () => {
    const exporter = registerSdk()
    const { url } = await start()
    const client = new WebSocket(`${url}/reject/me`)
    // events.once() rejects on 'error', so the close is awaited with a plain listener.
    const closed = new Promise((resolve) => client.once('close', resolve))
    const [error] = (await once(client, 'error')) as [Error]
    expect(error.message).toBe('Unexpected server response: 403')
    await closed

    const [span] = exporter.getFinishedSpans()
    expect(span?.name).toBe('WS Connect /reject/me')
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'Upgrade rejected with HTTP 403' })
    expect(span?.attributes['http.response.status_code']).toBe(403)
    expect(await metric('mockforge_ws_errors_total', { kind: 'handshake' })).toBe(1)
    expect(await metric('mockforge_ws_connections_total')).toBe(0)
  })

  test('an unsampled connection creates no message spans but still counts metrics', async () => {
    const exporter = registerSdk(new AlwaysOffSampler())
    await start()
    const client = await connect('/ws')
    await roundTrip(client, 'a')
    await closeClient(client)
    await vi.waitFor(() => expect(harness?.closedConnections()).toBe(1))
    expect(exporter.getFinishedSpans()).toEqual([])
    expect(await metric('mockforge_ws_messages_received_total')).toBe(1)
    expect(await metric('mockforge_ws_messages_sent_total')).toBe(1)
  })
})

describe('without a tracer provider', () => {
  test('metrics follow the connection lifecycle', async () => {
    await start()
    const first = await connect('/ws')
    const second = await connect('/ws')
    expect(await metric('mockforge_ws_connections_active')).toBe(2)
    await roundTrip(first, 'x')
    await roundTrip(second, 'yy')
    await roundTrip(second, 'zzz')
    await closeClient(first, 1000)
    await closeClient(second, 4000, 'app')
    await vi.waitFor(() => expect(harness?.closedConnections()).toBe(2))

    expect(await metric('mockforge_ws_connections_active')).toBe(0)
    expect(await metric('mockforge_ws_connections_total')).toBe(2)
    expect(await metric('mockforge_ws_messages_received_total')).toBe(3)
    expect(await metric('mockforge_ws_messages_sent_total')).toBe(3)
    expect(await durationCount('normal')).toBe(1)
    expect(await durationCount('error')).toBe(1)
    expect(await metric('mockforge_ws_errors_total', { kind: 'telemetry' })).toBe(0)
  })
})

describe('robustness', () => {
  test('hooks never throw on bad input; failures are counted, duplicates ignored', async () => {
    const observer = createTelemetryObserver()
    const exploding = {
      id: 1,
      path: '/ws',
      get url(): string {
        throw new Error('engine bug')
      },
      headers: {},
      protocol: '',
      request: {} as http.IncomingMessage,
    } satisfies ObservedConnection
    registerSdk()
    expect(() => observer.connectionOpened?.(exploding)).not.toThrow()
    expect(await metric('mockforge_ws_errors_total', { kind: 'telemetry' })).toBe(1)

    const conn: ObservedConnection = { id: 2, path: '/ws', url: '/ws', headers: {}, protocol: 'chat', request: exploding.request }
    const unknown: ObservedConnection = { ...conn, id: 3 }
    expect(() => {
      observer.message?.(unknown, 'in', 1, false)
      observer.connectionError?.(unknown, new Error('x'))
      observer.connectionClosed?.(unknown, 1000, '')
      observer.connectionOpened?.(conn)
      observer.connectionOpened?.(conn)
      observer.connectionClosed?.(conn, 1000, '')
      observer.connectionClosed?.(conn, 1000, '')
    }).not.toThrow()
    expect(await metric('mockforge_ws_connections_total')).toBe(1)
    expect(await metric('mockforge_ws_connections_active')).toBe(0)
    expect(await metric('mockforge_ws_messages_received_total')).toBe(1)
    expect(await durationCount('normal')).toBe(1)
  })
})
