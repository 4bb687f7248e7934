import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
} from '@opentelemetry/api'
import type { TextMapPropagator } from '@opentelemetry/api'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  activeTracer,
  createWsConnectionSpan,
  createWsMessageSpan,
  parseTraceparent,
  recordWsConnectionSuccess,
  recordWsError,
  recordWsMessageSuccess,
} from '../../src/telemetry/tracing.js'
import { useTracerSdk } from './support.js'

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const SPAN_ID = '00f067aa0ba902b7'

const registerSdk = useTracerSdk()

describe('without a tracer provider', () => {
  test('spans are shared no-ops that record nothing', () => {
    expect(activeTracer()).toBeUndefined()
    const conn = createWsConnectionSpan({ url: '/ws', headers: {} })
    const msg = createWsMessageSpan(3, 'in', conn)
    expect(conn.isRecording()).toBe(false)
    expect(msg).toBe(conn)
    // The helpers must accept no-op spans without complaint.
    recordWsConnectionSuccess(conn)
    recordWsMessageSuccess(msg, 3)
    recordWsError(conn, new Error('boom'))
    conn.end()
  })

  test('a provider registered after import is picked up, and dropped again on disable', () => {
    expect(createWsConnectionSpan({ url: '/ws' }).isRecording()).toBe(false)
    const exporter = registerSdk()
    const span = createWsConnectionSpan({ url: '/ws' })
    expect(span.isRecording()).toBe(true)
    span.end()
    trace.disable()
    expect(createWsConnectionSpan({ url: '/ws' }).isRecording()).toBe(false)
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['WS Connect /ws'])
  })
})

describe('connection span', () => {
  test('is named after the path, without the query, with websocket attributes', () => {
    const exporter = registerSdk()
    const span = createWsConnectionSpan({ url: '/chat/room?token=abc', headers: { host: 'x' } })
    span.end()
    const [done] = exporter.getFinishedSpans()
    expect(done?.name).toBe('WS Connect /chat/room')
    expect(done?.kind).toBe(SpanKind.SERVER)
    expect(done?.attributes).toEqual({ 'ws.path': '/chat/room', 'network.protocol.name': 'websocket' })
    expect(done?.parentSpanContext).toBeUndefined()
    expect(done?.instrumentationScope.name).toBe('mockforge-ws')
  })

  test('takes a valid traceparent header as its remote parent', () => {
    const exporter = registerSdk()
    createWsConnectionSpan({
      url: '/ws',
      headers: { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, tracestate: 'vendor=abc' },
    }).end()
    const [done] = exporter.getFinishedSpans()
    expect(done?.spanContext().traceId).toBe(TRACE_ID)
    expect(done?.parentSpanContext?.spanId).toBe(SPAN_ID)
    expect(done?.parentSpanContext?.isRemote).toBe(true)
    expect(done?.spanContext().traceState?.get('vendor')).toBe('abc')
  })

  test.each([
    ['all-zero trace id', `00-${'0'.repeat(32)}-${SPAN_ID}-01`],
    ['all-zero span id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${TRACE_ID}-${SPAN_ID}-01`],
    ['uppercase hex', `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`],
    ['short trace id', `00-${TRACE_ID.slice(1)}-${SPAN_ID}-01`],
    ['extra field on version 00', `00-${TRACE_ID}-${SPAN_ID}-01-extra`],
    ['garbage', 'not a traceparent'],
  ])('ignores an invalid traceparent (%s) and starts a new trace', (_name, header) => {
    const exporter = registerSdk()
    createWsConnectionSpan({ url: '/ws', headers: { traceparent: header } }).end()
    const [done] = exporter.getFinishedSpans()
    expect(done?.parentSpanContext).toBeUndefined()
    expect(done?.spanContext().traceId).not.toBe(TRACE_ID)
  })

  test('uses the registered propagator instead of its own traceparent parser', () => {
    const exporter = registerSdk()
    const otherTrace = 'a'.repeat(32)
    const otherSpan = 'b'.repeat(16)
    // A propagator reading a custom header proves the global one is consulted.
    const custom: TextMapPropagator = {
      fields: () => ['x-test-trace'],
      inject: () => undefined,
      extract(ctx, carrier, getter) {
        const value = getter.get(carrier, 'x-test-trace')
        if (typeof value !== 'string') return ctx
        const [traceId = '', spanId = ''] = value.split(':')
        return trace.setSpanContext(ctx, { traceId, spanId, traceFlags: 1, isRemote: true })
      },
    }
    propagation.setGlobalPropagator(custom)
    createWsConnectionSpan({
      url: '/ws',
      headers: { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, 'x-test-trace': `${otherTrace}:${otherSpan}` },
    }).end()
    const [done] = exporter.getFinishedSpans()
    expect(done?.spanContext().traceId).toBe(otherTrace)
    expect(done?.parentSpanContext?.spanId).toBe(otherSpan)
  })
})

describe('message span', () => {
  test('is a child of the given connection span with direction, size and type', () => {
    const exporter = registerSdk()
    const conn = createWsConnectionSpan({ url: '/ws' })
    const msg = createWsMessageSpan(11, 'out', conn, 'binary')
    recordWsMessageSuccess(msg, 11)
    msg.end()
    conn.end()
    const [doneMsg, doneConn] = exporter.getFinishedSpans()
    expect(doneMsg?.name).toBe('WS Message out')
    expect(doneMsg?.kind).toBe(SpanKind.PRODUCER)
    expect(doneMsg?.attributes).toEqual({ 'ws.direction': 'out', 'ws.message.size': 11, 'ws.message.type': 'binary' })
    expect(doneMsg?.status.code).toBe(SpanStatusCode.OK)
    expect(doneMsg?.parentSpanContext?.spanId).toBe(doneConn?.spanContext().spanId)
    expect(doneMsg?.spanContext().traceId).toBe(doneConn?.spanContext().traceId)
  })

  test('defaults its parent to the active context and accepts a context as parent', () => {
    const exporter = registerSdk()
    const conn = createWsConnectionSpan({ url: '/ws' })
    context.with(trace.setSpan(context.active(), conn), () => createWsMessageSpan(1, 'in').end())
    createWsMessageSpan(2, 'in', trace.setSpan(ROOT_CONTEXT, conn)).end()
    createWsMessageSpan(3, 'in').end()
    conn.end()
    const connId = conn.spanContext().spanId
    const [fromActive, fromContext, orphan] = exporter.getFinishedSpans()
    expect(fromActive?.name).toBe('WS Message in')
    expect(fromActive?.kind).toBe(SpanKind.CONSUMER)
    expect(fromActive?.parentSpanContext?.spanId).toBe(connId)
    expect(fromContext?.parentSpanContext?.spanId).toBe(connId)
    expect(orphan?.parentSpanContext).toBeUndefined()
    expect(orphan?.attributes['ws.message.type']).toBeUndefined()
  })
})

describe('status helpers', () => {
  test('recordWsConnectionSuccess sets status OK', () => {
    const exporter = registerSdk()
    const span = createWsConnectionSpan({ url: '/ws' })
    recordWsConnectionSuccess(span)
    span.end()
    expect(exporter.getFinishedSpans()[0]?.status).toEqual({ code: SpanStatusCode.OK })
  })

  test('recordWsError with an Error records the exception and sets status ERROR', () => {
    const exporter = registerSdk()
    const span = createWsConnectionSpan({ url: '/ws' })
    recordWsError(span, new RangeError('Invalid WebSocket frame: RSV1 must be clear'))
    span.end()
    const [done] = exporter.getFinishedSpans()
    expect(done?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'Invalid WebSocket frame: RSV1 must be clear' })
    expect(done?.attributes['error.type']).toBe('RangeError')
    expect(done?.events.map((e) => [e.name, e.attributes?.['exception.type']])).toEqual([['exception', 'RangeError']])
  })

  test('recordWsError with a string sets status ERROR with that message', () => {
    const exporter = registerSdk()
    const span = createWsMessageSpan(1, 'in')
    recordWsError(span, 'upstream closed')
    span.end()
    const [done] = exporter.getFinishedSpans()
    expect(done?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'upstream closed' })
    expect(done?.events[0]?.attributes?.['exception.message']).toBe('upstream closed')
  })
})

describe('parseTraceparent', () => {
  const hex = (length: number) =>
    fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`)).filter((s) => /[1-9a-f]/.test(s))

  test('round-trips every valid version-00 header', () => {
    fc.assert(
      fc.property(hex(32), hex(16), fc.boolean(), (traceId, spanId, sampled) => {
        const parsed = parseTraceparent(`00-${traceId}-${spanId}-${sampled ? '01' : '00'}`)
        expect(parsed).toEqual({ traceId, spanId, traceFlags: sampled ? 1 : 0, isRemote: true })
      }),
    )
  })

  test('accepts future versions with extra fields, keeping only the sampled flag', () => {
    expect(parseTraceparent(`cc-${TRACE_ID}-${SPAN_ID}-03-what-comes-next`)).toEqual({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: 1,
      isRemote: true,
    })
  })

  test('returns undefined for a missing header', () => {
    expect(parseTraceparent(undefined)).toBeUndefined()
  })
})
