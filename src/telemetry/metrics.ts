import { createRequire } from 'node:module'
import type { Counter, Histogram, Registry } from 'prom-client'
import { CLOSE_ABNORMAL, CLOSE_GOING_AWAY, CLOSE_NO_STATUS, CLOSE_NORMAL } from '../constants.js'

/** Buckets of `mockforge_ws_connection_duration_seconds`, in seconds: finer than prom-client's at the low end (test connections are short). */
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

/** Close codes that mean "ended on purpose": normal closure, going away, no status code given. */
const NORMAL_CLOSE_CODES: ReadonlySet<number> = new Set([CLOSE_NORMAL, CLOSE_GOING_AWAY, CLOSE_NO_STATUS])

/**
 * Connection durations kept while prom-client is not loaded yet; past this many the registry is
 * built (loading prom-client) so the buffer never grows without bound.
 */
const PENDING_DURATIONS_LIMIT = 4096

// The counters are plain numbers, bumped on the hot path (one increment per frame), and handed
// to prom-client only when the registry is built: on the first scrape or the first use of
// `metricsRegistry`. Importing the core therefore never loads prom-client.
const counts = {
  liveConnections: 0,
  connectionsTotal: 0,
  messagesSent: 0,
  messagesReceived: 0,
  errors: { connection: 0, handshake: 0, telemetry: 0 } satisfies Record<ErrorKind, number>,
}
/** Durations closed before the histogram existed: status, seconds, status, seconds, … */
let pendingDurations: (CloseStatus | number)[] = []

interface Built {
  registry: Registry
  connectionDuration: Histogram<'status'>
}
let built: Built | undefined

type PromClient = typeof import('prom-client')

function build(): Built {
  if (built) return built
  const prom = createRequire(import.meta.url)('prom-client') as PromClient
  const registry = new prom.Registry()
  // Each collect() copies the plain number into the metric right before it is read.
  const fromCount = (name: string, help: string, read: () => number): Counter =>
    new prom.Counter({
      name,
      help,
      registers: [registry],
      collect(this: Counter) {
        this.reset()
        this.inc(read())
      },
    })
  // Live connections are counted rather than gauge.inc()/dec(): `resetMetrics()` clears the gauge
  // while connections may still be open, and a collect-time value can never go negative.
  new prom.Gauge({
    name: 'mockforge_ws_connections_active',
    help: 'WebSocket connections currently open on mockforge-ws servers.',
    registers: [registry],
    collect() {
      this.set(counts.liveConnections)
    },
  })
  fromCount('mockforge_ws_connections_total', 'WebSocket connections accepted by mockforge-ws servers.', () => counts.connectionsTotal)
  fromCount('mockforge_ws_messages_sent_total', 'Data frames sent from mockforge-ws servers to clients.', () => counts.messagesSent)
  fromCount('mockforge_ws_messages_received_total', 'Data frames received by mockforge-ws servers from clients.', () => counts.messagesReceived)
  new prom.Counter({
    name: 'mockforge_ws_errors_total',
    help: 'Errors seen by mockforge-ws servers, by kind (connection, handshake, telemetry).',
    labelNames: ['kind'],
    registers: [registry],
    collect(this: Counter<'kind'>) {
      this.reset()
      // Every labelled series from the first scrape, zero or not, so `rate()` never sees a gap.
      for (const kind of ERROR_KINDS) this.inc({ kind }, counts.errors[kind])
    },
  })
  const connectionDuration = new prom.Histogram({
    name: 'mockforge_ws_connection_duration_seconds',
    help: 'Lifetime of mockforge-ws WebSocket connections, by how they ended (normal, abnormal, error).',
    labelNames: ['status'],
    buckets: [...CONNECTION_DURATION_BUCKETS_SECONDS],
    registers: [registry],
  })
  zeroDurations(connectionDuration)
  for (let i = 0; i < pendingDurations.length; i += 2) {
    connectionDuration.observe({ status: pendingDurations[i] as CloseStatus }, pendingDurations[i + 1] as number)
  }
  pendingDurations = []
  built = { registry, connectionDuration }
  return built
}

function zeroDurations(histogram: Histogram<'status'>): void {
  for (const status of CLOSE_STATUSES) histogram.zero({ status })
}

function zeroCounts(): void {
  counts.connectionsTotal = 0
  counts.messagesSent = 0
  counts.messagesReceived = 0
  for (const kind of ERROR_KINDS) counts.errors[kind] = 0
  pendingDurations = []
}

/** Stands in for the registry until first use, then forwards everything to it. */
function lazyRegistry(): Registry {
  const target = {} as Registry
  return new Proxy(target, {
    get(_, key) {
      const { registry } = build()
      // `metricsRegistry.resetMetrics()` must clear the plain counters too, or the next collect()
      // would bring the old values back.
      if (key === 'resetMetrics') return resetMetrics
      const value: unknown = Reflect.get(registry, key, registry)
      return typeof value === 'function' ? value.bind(registry) : value
    },
    has: (_, key) => Reflect.has(build().registry, key),
    getPrototypeOf: () => Reflect.getPrototypeOf(build().registry),
  })
}

/**
 * The dedicated prom-client registry holding every mockforge-ws metric (never prom-client's
 * global default registry, so the mock's series stay out of an application's own `/metrics`
 * unless merged on purpose). prom-client is loaded on its first use, not when the core is imported.
 * @example
 * import { register, Registry } from 'prom-client'
 * const merged = Registry.merge([register, metricsRegistry])
 */
export const metricsRegistry: Registry = lazyRegistry()

/**
 * The `Content-Type` to serve `metricsText()` with (Prometheus text exposition format 0.0.4).
 * @example
 * res.writeHead(200, { 'content-type': metricsContentType }).end(await metricsText())
 */
export const metricsContentType: string = 'text/plain; version=0.0.4; charset=utf-8'

/** Classifies a close code into the `status` label of the connection duration histogram (1000 normal, 1006 abnormal, 4001 error). */
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
  return build().registry.metrics()
}

/**
 * Resets every counter and histogram to zero, for tests that assert exact values;
 * `mockforge_ws_connections_active` keeps reporting the connections that are really open.
 * @example
 * beforeEach(() => resetMetrics())
 */
export function resetMetrics(): void {
  zeroCounts()
  if (!built) return
  built.registry.resetMetrics()
  zeroDurations(built.connectionDuration)
}

/** Records an accepted connection (internal: called by the telemetry observer). */
export function recordConnectionOpened(): void {
  counts.liveConnections++
  counts.connectionsTotal++
}

/** Records a closed connection and its lifetime (internal: called by the telemetry observer). */
export function recordConnectionClosed(durationSeconds: number, status: CloseStatus): void {
  if (counts.liveConnections > 0) counts.liveConnections--
  if (built) {
    built.connectionDuration.observe({ status }, durationSeconds)
    return
  }
  pendingDurations.push(status, durationSeconds)
  if (pendingDurations.length >= 2 * PENDING_DURATIONS_LIMIT) build()
}

/** Records one data frame (internal: called by the telemetry observer). */
export function recordMessage(direction: 'in' | 'out'): void {
  if (direction === 'in') counts.messagesReceived++
  else counts.messagesSent++
}

/** Records an error of the given kind (internal: called by the telemetry observer). */
export function recordError(kind: ErrorKind): void {
  counts.errors[kind]++
}
