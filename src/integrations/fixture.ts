import { mockWs, type MockWsBuilder } from '../index.js'
import type { MockWs, MockWsOptions } from '../server/mock-ws.js'

/**
 * What the runners' `mockWs` fixture hands a test: `mockWs()` itself, with every mock it starts closed after the test.
 * @example
 * test('feed', async ({ mockWs }) => { const ws = await mockWs().replay('feed.jsonl') })
 */
export type MockWsFactory = (options?: MockWsOptions) => MockWsBuilder

/** A factory plus the teardown that closes what it started. */
export interface FixtureScope {
  factory: MockWsFactory
  /** Closes every mock the factory started; rejects with strict-mode failures of mocks the test left open. */
  teardown(): Promise<void>
  /** Every mock the factory started (and that started), in order: for failure reports after the test. */
  mocks(): Promise<MockWs[]>
}

/** Creates the per-test scope behind every runner's `mockWs` fixture. */
export function createFixtureScope(): FixtureScope {
  const started: Promise<MockWs>[] = []
  const factory: MockWsFactory = (options) => {
    const builder = mockWs(options)
    const start = builder.start.bind(builder)
    // Awaiting the builder goes through start(); wrapping it records exactly the mocks that were started.
    builder.start = () => {
      const running = start()
      if (!started.includes(running)) started.push(running)
      return running
    }
    return builder
  }
  const startedMocks = async (): Promise<MockWs[]> => {
    const settled = await Promise.allSettled(started)
    return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  }
  const teardown = async (): Promise<void> => {
    const mocks = await startedMocks()
    // A mock the test closed itself already reported its failures to the test; only the ones left open are ours to report.
    const open = mocks.filter((m) => !m.closed)
    const results = await Promise.allSettled(mocks.map((m) => m.close()))
    throwAll(results.filter((_, i) => open.includes(mocks[i] as MockWs)))
  }
  return { factory, teardown, mocks: startedMocks }
}

/** Throws the one rejection among `results`, or an `AggregateError` of several; returns when none rejected. */
export function throwAll(results: readonly PromiseSettledResult<unknown>[]): void {
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []))
  if (errors.length === 1) throw errors[0]
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} mocks reported failures`)
}
