// Shared setup of the telemetry tests: a real OpenTelemetry SDK with an in-memory exporter, and the Prometheus
// text read back through a real parser.
import { createRequire } from 'node:module'
import { context, propagation, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type Sampler } from '@opentelemetry/sdk-trace-base'
import { afterEach } from 'vitest'
import { metricsText } from '../../src/telemetry/metrics.js'

interface ParsedFamily {
  name: string
  metrics: { value?: string; labels?: Record<string, string> }[]
}
// parse-prometheus-text-format ships no types; load it as the CommonJS module it is.
const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => ParsedFamily[]

/**
 * The value of one sample of the mock's metrics, as a Prometheus scrape reads it.
 * @example
 * expect(await metric('ws_connections_total', { path: '/ws' })).toBe(1)
 */
export async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const family = parsePrometheus(await metricsText()).find((f) => f.name === name)
  const sample = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
  if (sample?.value === undefined) throw new Error(`no sample ${name} ${JSON.stringify(labels)}`)
  return Number(sample.value)
}

/**
 * Registers an `afterEach` that unregisters the global tracer, context manager and propagator and shuts the SDK
 * down; returns the function that registers a fresh SDK for a test. Call it before the file's own `afterEach`, so
 * that the mocks close (and end their spans) first.
 * @example
 * const registerSdk = useTracerSdk()
 * test('spans', () => { const exporter = registerSdk(); ... })
 */
export function useTracerSdk(): (sampler?: Sampler) => InMemorySpanExporter {
  let provider: BasicTracerProvider | undefined
  afterEach(async () => {
    trace.disable()
    context.disable()
    propagation.disable()
    await provider?.shutdown()
    provider = undefined
  })
  return (sampler) => {
    const exporter = new InMemorySpanExporter()
    provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)], ...(sampler ? { sampler } : {}) })
    trace.setGlobalTracerProvider(provider)
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
    return exporter
  }
}
