import { createRequire } from 'node:module'
import { Registry, register } from 'prom-client'
import { beforeEach, describe, expect, test } from 'vitest'
import {
  closeStatusOf,
  metricsContentType,
  metricsRegistry,
  metricsText,
  recordConnectionClosed,
  recordConnectionOpened,
  recordError,
  recordMessage,
  resetMetrics,
} from '../../src/telemetry/metrics.js'

interface ParsedFamily {
  name: string
  type: string
  metrics: { value?: string; labels?: Record<string, string> }[]
}
// parse-prometheus-text-format ships no types; load it as the CommonJS module it is.
const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (
  text: string,
) => ParsedFamily[]

async function scrape(): Promise<Map<string, ParsedFamily>> {
  return new Map(parsePrometheus(await metricsText()).map((f) => [f.name, f]))
}

function value(families: Map<string, ParsedFamily>, name: string, labels?: Record<string, string>): number {
  const family = families.get(name)
  const sample = family?.metrics.find((m) =>
    Object.entries(labels ?? {}).every(([key, wanted]) => m.labels?.[key] === wanted),
  )
  if (sample?.value === undefined) throw new Error(`no sample ${name} ${JSON.stringify(labels)}`)
  return Number(sample.value)
}

// The parser drops the labels of labelled histograms, so histogram series are read from
// prom-client's own JSON view of the same registry.
async function durationCount(status: string): Promise<number> {
  const json = await metricsRegistry.getMetricsAsJSON()
  const histogram = json.find((m) => m.name === 'mockforge_ws_connection_duration_seconds')
  const sample = histogram?.values.find(
    (v) => 'metricName' in v &&
      v.metricName === 'mockforge_ws_connection_duration_seconds_count' && v.labels.status === status,
  )
  if (!sample) throw new Error(`no duration count for ${status}`)
  return sample.value
}

beforeEach(() => {
  resetMetrics()
})

describe('metricsText', () => {
  test('exposes every contract metric with its Prometheus type', async () => {
    const families = await scrape()
    expect(Object.fromEntries([...families].map(([name, f]) => [name, f.type]))).toEqual({
      mockforge_ws_connections_active: 'GAUGE',
      mockforge_ws_connections_total: 'COUNTER',
      mockforge_ws_messages_sent_total: 'COUNTER',
      mockforge_ws_messages_received_total: 'COUNTER',
      mockforge_ws_errors_total: 'COUNTER',
      mockforge_ws_connection_duration_seconds: 'HISTOGRAM',
    })
    expect(metricsContentType).toBe('text/plain; version=0.0.4; charset=utf-8')
  })

  test('starts every labelled error series at zero', async () => {
    const families = await scrape()
    for (const kind of ['connection', 'handshake', 'telemetry']) {
      expect(value(families, 'mockforge_ws_errors_total', { kind })).toBe(0)
    }
    expect(await durationCount('normal')).toBe(0)
  })

  test('counts connections, messages, errors and durations', async () => {
    recordConnectionOpened()
    recordConnectionOpened()
    recordMessage('in')
    recordMessage('out')
    recordMessage('out')
    recordError('handshake')
    let families = await scrape()
    expect(value(families, 'mockforge_ws_connections_active')).toBe(2)
    expect(value(families, 'mockforge_ws_connections_total')).toBe(2)
    expect(value(families, 'mockforge_ws_messages_received_total')).toBe(1)
    expect(value(families, 'mockforge_ws_messages_sent_total')).toBe(2)
    expect(value(families, 'mockforge_ws_errors_total', { kind: 'handshake' })).toBe(1)

    recordConnectionClosed(0.02, 'normal')
    recordConnectionClosed(0.5, 'abnormal')
    families = await scrape()
    expect(value(families, 'mockforge_ws_connections_active')).toBe(0)
    expect(value(families, 'mockforge_ws_connections_total')).toBe(2)
    expect(await durationCount('normal')).toBe(1)
    expect(await durationCount('abnormal')).toBe(1)
    expect(await metricsText()).toMatch(/^mockforge_ws_connection_duration_seconds_bucket\{le="0\.025",status="normal"\} 1$/m)
  })

  test('resetMetrics zeroes counters but keeps counting connections that are still open', async () => {
    recordConnectionOpened()
    recordMessage('in')
    resetMetrics()
    let families = await scrape()
    expect(value(families, 'mockforge_ws_connections_total')).toBe(0)
    expect(value(families, 'mockforge_ws_messages_received_total')).toBe(0)
    expect(value(families, 'mockforge_ws_connections_active')).toBe(1)
    recordConnectionClosed(0.001, 'normal')
    families = await scrape()
    expect(value(families, 'mockforge_ws_connections_active')).toBe(0)
  })
})

describe('registry', () => {
  test('is not prom-client global default registry, and merges with it', async () => {
    expect(metricsRegistry).not.toBe(register)
    expect(await register.metrics()).not.toContain('mockforge_ws_')
    const merged = Registry.merge([new Registry(), metricsRegistry])
    expect(await merged.metrics()).toContain('# TYPE mockforge_ws_connections_total counter')
  })
})

describe('closeStatusOf', () => {
  test.each([
    [1000, false, 'normal'],
    [1001, false, 'normal'],
    [1005, false, 'normal'],
    [1006, false, 'abnormal'],
    [1000, true, 'abnormal'],
    [1002, false, 'error'],
    [1011, false, 'error'],
    [1014, false, 'error'],
    [4001, false, 'error'],
  ] as const)('classifies close code %i (errored: %s) as %s', (code, errored, status) => {
    expect(closeStatusOf(code, errored)).toBe(status)
  })
})
