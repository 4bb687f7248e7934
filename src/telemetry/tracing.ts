import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { createRequire } from 'node:module'
import type { Context, Span, SpanContext, Tracer, TracerProvider } from '@opentelemetry/api'

/** Instrumentation scope name of every span mockforge-ws creates. */
export const TRACER_NAME = 'mockforge-ws'

/** Span attribute keys set by mockforge-ws (kept in one place so docs and tests agree). */
export const WS_ATTR = {
  path: 'ws.path',
  protocolName: 'network.protocol.name',
  subprotocol: 'ws.subprotocol',
  direction: 'ws.direction',
  messageType: 'ws.message.type',
  messageSize: 'ws.message.size',
  messagesSent: 'ws.messages.sent',
  messagesReceived: 'ws.messages.received',
  durationMs: 'ws.duration_ms',
  closeCode: 'ws.close.code',
  closeReason: 'ws.close.reason',
  httpStatus: 'http.response.status_code',
  errorType: 'error.type',
} as const

/** Anything carrying the upgrade request's URL and headers (a real `IncomingMessage` qualifies). */
export type WsRequestLike = IncomingMessage | { url?: string; headers?: IncomingHttpHeaders }

/** Where a message span hangs: its parent span, or a context holding one. */
export type WsSpanParent = Span | Context

type OtelApi = typeof import('@opentelemetry/api')
let api: OtelApi | undefined

/** The OpenTelemetry API, loaded on first use (not when the core is imported). */
export function otelApi(): OtelApi {
  api ??= createRequire(import.meta.url)('@opentelemetry/api') as OtelApi
  return api
}

// Where every 1.x copy of @opentelemetry/api keeps its globals (`trace` once a tracer provider is
// registered). While it holds no `trace`, no provider exists and the API need not be loaded.
const OTEL_GLOBAL_KEY = Symbol.for('opentelemetry.js.api.1')

function otelTraceRegistered(): boolean {
  const globals = (globalThis as Record<symbol, { trace?: unknown } | undefined>)[OTEL_GLOBAL_KEY]
  return globals?.trace !== undefined
}

// A span that records nothing, handed out when no tracer provider is registered. Its methods are
// no-ops that return itself, so one shared instance is safe and costs no allocation per call.
let noopSpan: Span | undefined
function noop(): Span {
  const { trace, INVALID_SPAN_CONTEXT } = otelApi()
  noopSpan ??= trace.wrapSpanContext(INVALID_SPAN_CONTEXT)
  return noopSpan
}

/** The global ProxyTracerProvider of @opentelemetry/api, seen structurally (any API copy). */
interface DelegatingProvider extends TracerProvider {
  getDelegate?(): TracerProvider
  getDelegateTracer?(name: string): Tracer | undefined
}

// The global ProxyTracerProvider's delegate changes with `trace.setGlobalTracerProvider()` (or `disable()`):
// keyed on it, the cache costs two property reads per call and still sees a provider registered later.
let cachedDelegate: TracerProvider | undefined
let cachedTracer: Tracer | undefined

/** The registered tracer provider's tracer, or `undefined` when none is registered (then span work is skipped). */
export function activeTracer(): Tracer | undefined {
  if (api === undefined && !otelTraceRegistered()) return undefined
  const provider = otelApi().trace.getTracerProvider() as DelegatingProvider
  const delegate = typeof provider.getDelegate === 'function' ? provider.getDelegate() : provider
  if (delegate !== cachedDelegate) {
    cachedDelegate = delegate
    // getDelegateTracer() is undefined exactly when no real provider sits behind the proxy (whatever the API copy).
    cachedTracer =
      typeof provider.getDelegateTracer === 'function'
        ? provider.getDelegateTracer(TRACER_NAME)
        : provider.getTracer(TRACER_NAME)
  }
  return cachedTracer
}

const TRACEPARENT_RE = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/
const ALL_ZERO_TRACE_ID = '0'.repeat(32)
const ALL_ZERO_SPAN_ID = '0'.repeat(16)

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/**
 * Parses a W3C `traceparent` header into a remote span context; `undefined` when it is missing
 * or invalid (bad shape, version `ff`, extra fields on version `00`, all-zero ids).
 */
export function parseTraceparent(header: string | undefined, tracestate?: string): SpanContext | undefined {
  if (header === undefined) return undefined
  const match = TRACEPARENT_RE.exec(header.trim())
  if (!match) return undefined
  const [, version, traceId, spanId, flags, rest] = match
  if (version === undefined || traceId === undefined || spanId === undefined || flags === undefined) return undefined
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined
  if (traceId === ALL_ZERO_TRACE_ID || spanId === ALL_ZERO_SPAN_ID) return undefined
  const { TraceFlags, createTraceState } = otelApi()
  const spanContext: SpanContext = {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  }
  if (tracestate) spanContext.traceState = createTraceState(tracestate)
  return spanContext
}

/**
 * The context an incoming upgrade request's spans hang under: the globally registered
 * propagator's view of its headers when the user registered one, otherwise the request's own
 * `traceparent`/`tracestate` parsed here, otherwise the root context.
 */
export function extractWsParentContext(request: WsRequestLike): Context {
  const headers = request.headers ?? {}
  const { propagation, trace, ROOT_CONTEXT } = otelApi()
  // A registered propagator announces the headers it reads; the default no-op one reads none.
  if (propagation.fields().length > 0) return propagation.extract(ROOT_CONTEXT, headers)
  const parent = parseTraceparent(firstHeader(headers.traceparent), firstHeader(headers.tracestate))
  return parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT
}

function pathOf(url: string | undefined): string {
  return url ? (url.split('?', 1)[0] ?? url) : '/'
}

/**
 * Starts the span of one WebSocket connection, named `WS Connect {path}`, with the request's W3C
 * `traceparent` (or the registered propagator's headers) as parent; a no-op span when no tracer
 * provider is registered. End it yourself with `span.end()`.
 * @example
 * server.on('upgrade', (req) => {
 *   const span = createWsConnectionSpan(req)
 *   recordWsConnectionSuccess(span)
 *   span.end()
 * })
 */
export function createWsConnectionSpan(request: WsRequestLike): Span {
  const tracer = activeTracer()
  if (!tracer) return noop()
  const path = pathOf(request.url)
  const { SpanKind } = otelApi()
  return tracer.startSpan(
    `WS Connect ${path}`,
    {
      kind: SpanKind.SERVER,
      attributes: { [WS_ATTR.path]: path, [WS_ATTR.protocolName]: 'websocket' },
    },
    extractWsParentContext(request),
  )
}

function isSpan(parent: WsSpanParent): parent is Span {
  return typeof (parent as Partial<Span>).spanContext === 'function'
}

/**
 * Starts the span of one WebSocket message, named `WS Message {direction}`, as a child of
 * `parent` (a span or context; default: the active context); a no-op span when no tracer
 * provider is registered. End it yourself with `span.end()`.
 * @example
 * const span = createWsMessageSpan(data.length, 'in', connectionSpan, 'text')
 * recordWsMessageSuccess(span, data.length)
 * span.end()
 */
export function createWsMessageSpan(
  size: number,
  direction: 'in' | 'out',
  parent?: WsSpanParent,
  type?: 'text' | 'binary',
): Span {
  const tracer = activeTracer()
  if (!tracer) return noop()
  const { SpanKind, context, trace, ROOT_CONTEXT } = otelApi()
  const parentContext =
    parent === undefined ? context.active() : isSpan(parent) ? trace.setSpan(ROOT_CONTEXT, parent) : parent
  const span = tracer.startSpan(
    `WS Message ${direction}`,
    {
      kind: direction === 'in' ? SpanKind.CONSUMER : SpanKind.PRODUCER,
      attributes: { [WS_ATTR.direction]: direction, [WS_ATTR.messageSize]: size },
    },
    parentContext,
  )
  if (type !== undefined) span.setAttribute(WS_ATTR.messageType, type)
  return span
}

/**
 * Marks a connection span as successful (status OK, which later status changes cannot undo).
 * The span is not ended.
 * @example
 * recordWsConnectionSuccess(span)
 * span.end()
 */
export function recordWsConnectionSuccess(span: Span): void {
  span.setStatus({ code: otelApi().SpanStatusCode.OK })
}

/**
 * Marks a message span as successful and records the size processed (`ws.message.size`).
 * The span is not ended.
 * @example
 * recordWsMessageSuccess(span, 42)
 * span.end()
 */
export function recordWsMessageSuccess(span: Span, size: number): void {
  span.setAttribute(WS_ATTR.messageSize, size)
  span.setStatus({ code: otelApi().SpanStatusCode.OK })
}

/**
 * Records an error on a span: an `exception` event, `error.type`, and status ERROR with the
 * error's message. The span is not ended.
 * @example
 * socket.on('error', (err) => recordWsError(span, err))
 */
export function recordWsError(span: Span, error: string | Error): void {
  const message = typeof error === 'string' ? error : error.message
  span.recordException(error)
  span.setAttribute(WS_ATTR.errorType, typeof error === 'string' ? 'Error' : error.name || 'Error')
  span.setStatus({ code: otelApi().SpanStatusCode.ERROR, message })
}
