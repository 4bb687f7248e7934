import type { IncomingMessage } from 'node:http'
import { realClock } from '../template/clock.js'
import type { Span } from '@opentelemetry/api'
import type { EngineObserver, ObservedConnection } from '../server/observer.js'
import {
  closeStatusOf,
  recordConnectionClosed,
  recordConnectionOpened,
  recordError,
  recordMessage,
} from './metrics.js'
import {
  WS_ATTR,
  activeTracer,
  createWsConnectionSpan,
  otelApi,
  createWsMessageSpan,
  recordWsConnectionSuccess,
  recordWsError,
  recordWsMessageSuccess,
} from './tracing.js'

interface ConnectionState {
  /** Only set when a tracer provider was registered at open and the span is sampled. */
  span: Span | undefined
  openedAt: number
  sent: number
  received: number
  errored: boolean
}

const MS_PER_SECOND = 1000

/**
 * Creates the observer that turns engine events into spans and Prometheus metrics: a
 * `WS Connect {path}` span per connection (ended on close with counts, duration and close code),
 * a `WS Message {direction}` child span per frame, and the `mockforge_ws_*` metrics. Hooks never
 * throw; a failure inside one is swallowed and counted in `mockforge_ws_errors_total{kind="telemetry"}`.
 * @example
 * const observer = createTelemetryObserver()
 * observer.connectionOpened?.(conn)
 * observer.message?.(conn, 'in', 5, false)
 * observer.connectionClosed?.(conn, 1000, '')
 */
export function createTelemetryObserver(): EngineObserver {
  // A WeakMap, so that a connection the engine forgets to report closed cannot leak its span.
  const connections = new WeakMap<ObservedConnection, ConnectionState>()
  // Open connections that have a recording span; while there are none, a frame costs one counter
  // increment and no WeakMap lookup (the per-connection counts only feed span attributes).
  let traced = 0

  function swallow(): void {
    try {
      recordError('telemetry')
    } catch {
      // Counting the failure failed too; the server must keep running regardless.
    }
  }

  // A hook that never throws (`message`, the hot path, has its own try instead of this extra call).
  function guarded<A extends unknown[]>(hook: (...args: A) => void): (...args: A) => void {
    return (...args) => {
      try {
        hook(...args)
      } catch {
        swallow()
      }
    }
  }

  return {
    connectionOpened: guarded((conn: ObservedConnection) => {
      if (connections.has(conn)) return
      // No tracer provider: no span, and the OpenTelemetry API is never loaded.
      const span = activeTracer() ? createWsConnectionSpan(conn) : undefined
      // An unsampled (or no-op) connection span means unsampled messages too: no per-message span work.
      const state: ConnectionState = {
        span: span?.isRecording() ? span : undefined,
        openedAt: realClock.perfNow(),
        sent: 0,
        received: 0,
        errored: false,
      }
      if (state.span && conn.protocol) state.span.setAttribute(WS_ATTR.subprotocol, conn.protocol)
      connections.set(conn, state)
      if (state.span) traced++
      // Counted once the state exists, so a failure above cannot leave the active gauge one too high forever.
      recordConnectionOpened()
    }),

    message(conn: ObservedConnection, dir: 'in' | 'out', size: number, binary: boolean): void {
      try {
        recordMessage(dir)
        if (traced === 0) return
        const state = connections.get(conn)
        if (!state?.span) return
        if (dir === 'in') state.received++
        else state.sent++
        const span = createWsMessageSpan(size, dir, state.span, binary ? 'binary' : 'text')
        recordWsMessageSuccess(span, size)
        span.end()
      } catch {
        swallow()
      }
    },

    connectionError: guarded((conn: ObservedConnection, error: Error) => {
      recordError('connection')
      const state = connections.get(conn)
      if (!state) return
      state.errored = true
      if (state.span) recordWsError(state.span, error)
    }),

    connectionClosed: guarded((conn: ObservedConnection, code: number, reason: string) => {
      const state = connections.get(conn)
      if (!state) return
      connections.delete(conn)
      if (state.span) traced--
      const durationMs = realClock.perfNow() - state.openedAt
      const status = closeStatusOf(code, state.errored)
      recordConnectionClosed(durationMs / MS_PER_SECOND, status)
      const span = state.span
      if (!span) return
      span.setAttributes({
        [WS_ATTR.messagesSent]: state.sent,
        [WS_ATTR.messagesReceived]: state.received,
        [WS_ATTR.durationMs]: durationMs,
        [WS_ATTR.closeCode]: code,
      })
      if (reason) span.setAttribute(WS_ATTR.closeReason, reason)
      if (status === 'normal') recordWsConnectionSuccess(span)
      span.end()
    }),

    handshakeRejected: guarded((request: IncomingMessage, status: number) => {
      recordError('handshake')
      if (!activeTracer()) return
      const span = createWsConnectionSpan(request)
      if (!span.isRecording()) return
      span.setAttribute(WS_ATTR.httpStatus, status)
      span.setStatus({ code: otelApi().SpanStatusCode.ERROR, message: `Upgrade rejected with HTTP ${status}` })
      span.end()
    }),
  }
}
