// One registry of running mocks, whatever their kind (mockWs(), MSW handlers, protocol kits), so that
// closeAllMocks() and the test-runner teardowns reach every one of them.

/** Something a test started that must be closed at teardown. */
export interface TrackedMock {
  close(): Promise<void>
}

const live = new Set<TrackedMock>()

/**
 * Registers a running mock with `closeAllMocks()`; returns the function that unregisters it (call it once closed).
 * @example
 * const untrack = trackMock(kitMock); // … later, in kitMock.close(): untrack()
 */
export function trackMock(mock: TrackedMock): () => void {
  live.add(mock)
  return () => {
    live.delete(mock)
  }
}

/**
 * The mocks started and not yet closed, oldest first (a copy): what a runner's teardown may close.
 * @example
 * const before = new Set(liveMocks()); await runTest(); for (const m of liveMocks()) if (!before.has(m)) await m.close()
 */
export function liveMocks(): TrackedMock[] {
  return [...live]
}

/**
 * Closes every started mock (the test-runner integrations call it after each test).
 * Rejects with the strict-mode failures of any of them, after all are closed.
 * @example
 * afterEach(() => closeAllMocks())
 */
export async function closeAllMocks(): Promise<void> {
  const results = await Promise.allSettled([...live].map((mock) => mock.close()))
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []))
  if (errors.length === 1) throw errors[0]
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} mocks reported failures`)
}

/**
 * Number of mocks started and not yet closed.
 * @example
 * expect(liveMockCount()).toBe(0)
 */
export function liveMockCount(): number {
  return live.size
}
