import { Counter, Gauge, Histogram, Registry } from 'prom-client'

/**
 * Buckets of `mockforge_ws_connection_duration_seconds`, in seconds. Mock connections in tests
 * are mostly short, so the low end is finer than prom-client's default buckets.
 */
export const CONNECTION_DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
]

/**
 * How a connection ended, the `status` label of `mockforge_ws_connection_duration_seconds`:
 * `normal` (1000, 1001, 1005), `abnormal` (1006: dropped without a close frame, or an error was
 * seen on the connection) or `error` (any other close code: protocol, policy, server and
 * application codes 3000–4999).
 */
export type CloseStatus = 'normal' | 'abnormal' | 'error'

/**
 * What `mockforge_ws_errors_total` counts, its `kind` label: `connection` (a socket error),
 * `handshake` (an upgrade refused with an HTTP status) and `telemetry` (a failure inside the
 * telemetry observer itself, swallowed so the server keeps running).
 */
export type ErrorKind = 'connection' | 'handshake' | 'telemetry'

const ERROR_KINDS: readonly ErrorKind[] = ['connection', 'handshake', 'telemetry']
const CLOSE_STATUSES: readonly CloseStatus[] = ['normal', 'abnormal', 'error']

/** WebSocket close code a peer never sends: the connection ended without a close frame. */
const CLOSE_ABNORMAL = 1006
/** Close codes that mean "ended on purpose": normal closure, going away, no status code given. */
const NORMAL_CLOSE_CODES: ReadonlySet<number> = new Set([1000, 1001, 1005])

/**
 * The dedicated prom-client registry holding every mockforge-ws metric (never prom-client's
 * global default registry, so the mock's series stay out of an application's own `/metrics`
 * unless merged on purpose).
 * @example
 * import { register, Registry } from 'prom-client'
 * const merged = Registry.merge([register, metricsRegistry])
 */
export const metricsRegistry: Registry = new Registry()

/**
 * The `Content-Type` to serve `metricsText()` with (Prometheus text exposition format 0.0.4).
 * @example
 * res.writeHead(200, { 'content-type': metricsContentType }).end(await metricsText())
 */
export const metricsContentType: string = metricsRegistry.contentType

// Live connections are counted here rather than with gauge.inc()/dec(): `resetMetrics()` clears
// the gauge while connections may still be open, and a collect-time value can never go negative.
let liveConnections = 0

// Registered with the registry and read only through its collect(), so no binding is kept.
new Gauge({
  name: 'mockforge_ws_connections_active',
  help: 'WebSocket connections currently open on mockforge-ws servers.',
  registers: [metricsRegistry],
  collect() {
    this.set(liveConnections)
  },
})

const connectionsTotal = new Counter({
  name: 'mockforge_ws_connections_total',
  help: 'WebSocket connections accepted by mockforge-ws servers.',
  registers: [metricsRegistry],
})

const messagesSent = new Counter({
  name: 'mockforge_ws_messages_sent_total',
  help: 'Data frames sent from mockforge-ws servers to clients.',
  registers: [metricsRegistry],
})

const messagesReceived = new Counter({
  name: 'mockforge_ws_messages_received_total',
  help: 'Data frames received by mockforge-ws servers from clients.',
  registers: [metricsRegistry],
})

const errorsTotal = new Counter({
  name: 'mockforge_ws_errors_total',
  help: 'Errors seen by mockforge-ws servers, by kind (connection, handshake, telemetry).',
  labelNames: ['kind'],
  registers: [metricsRegistry],
})

const connectionDuration = new Histogram({
  name: 'mockforge_ws_connection_duration_seconds',
  help: 'Lifetime of mockforge-ws WebSocket connections, by how they ended (normal, abnormal, error).',
  labelNames: ['status'],
  buckets: [...CONNECTION_DURATION_BUCKETS_SECONDS],
  registers: [metricsRegistry],
})

// Labelled series only appear once touched; start them at zero so dashboards and `rate()` see
// every series from the first scrape instead of a gap.
function zeroLabelledSeries(): void {
  for (const kind of ERROR_KINDS) errorsTotal.inc({ kind }, 0)
  for (const status of CLOSE_STATUSES) connectionDuration.zero({ status })
}
zeroLabelledSeries()

/**
 * Classifies a close code into the `status` label of the connection duration histogram.
 * @example
 * closeStatusOf(1000) // 'normal'
 * closeStatusOf(1006) // 'abnormal'
 * closeStatusOf(4001) // 'error'
 */
export function closeStatusOf(code: number, errored = false): CloseStatus {
  if (errored || code === CLOSE_ABNORMAL) return 'abnormal'
  return NORMAL_CLOSE_CODES.has(code) ? 'normal' : 'error'
}

/**
 * The current metrics in Prometheus text exposition format, ready to serve from `/metrics`.
 * @example
 * const text = await metricsText()
 * text.includes('mockforge_ws_connections_total') // true
 */
export function metricsText(): Promise<string> {
  return metricsRegistry.metrics()
}

/**
 * Resets every counter and histogram to zero, for tests that assert exact values;
 * `mockforge_ws_connections_active` keeps reporting the connections that are really open.
 * @example
 * beforeEach(() => resetMetrics())
 */
export function resetMetrics(): void {
  metricsRegistry.resetMetrics()
  zeroLabelledSeries()
}

/**
 * Records an accepted connection (internal: called by the telemetry observer).
 * @example
 * recordConnectionOpened()
 */
export function recordConnectionOpened(): void {
  liveConnections++
  connectionsTotal.inc()
}

/**
 * Records a closed connection and its lifetime (internal: called by the telemetry observer).
 * @example
 * recordConnectionClosed(1.5, 'normal')
 */
export function recordConnectionClosed(durationSeconds: number, status: CloseStatus): void {
  if (liveConnections > 0) liveConnections--
  connectionDuration.observe({ status }, durationSeconds)
}

/**
 * Records one data frame (internal: called by the telemetry observer).
 * @example
 * recordMessage('in')
 */
export function recordMessage(direction: 'in' | 'out'): void {
  if (direction === 'in') messagesReceived.inc()
  else messagesSent.inc()
}

/**
 * Records an error of the given kind (internal: called by the telemetry observer).
 * @example
 * recordError('handshake')
 */
export function recordError(kind: ErrorKind): void {
  errorsTotal.inc({ kind })
}
