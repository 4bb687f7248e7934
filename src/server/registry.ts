// One registry of running mocks, whatever their kind (mockWs(), MSW handlers, protocol kits), so that
// closeAllMocks() and the test-runner teardowns reach every one of them. Each mock remembers the test that
// started it (its owner), so that a runner's after-each teardown closes that test's mocks and no other's.
import type { TranscriptFrame } from './types.js'

/** Something a test started that must be closed at teardown. */
export interface TrackedMock {
  close(): Promise<void>
  /** Where it listens, for reports (a `MockWs`'s `url`). */
  readonly url?: string
  /** Its traffic, for the last frames a failed test's report shows. */
  readonly transcript?: readonly TranscriptFrame[]
}

/** An opaque token for the test a mock belongs to (the runner's own test object); `undefined` outside any test. */
export type MockOwner = object

/** Tells which test is running in the current async context; installed by a test-runner integration. */
export type MockOwnerResolver = () => MockOwner | undefined

const live = new Map<TrackedMock, MockOwner | undefined>()
let resolveOwner: MockOwnerResolver | undefined
let startGuard: (() => void) | undefined

/**
 * Registers a running mock with `closeAllMocks()`; returns the function that unregisters it (call it once closed).
 * The mock belongs to the test running when it is tracked (as the installed runner integration tells).
 * @example
 * const untrack = trackMock(kitMock); // … later, in kitMock.close(): untrack()
 */
export function trackMock(mock: TrackedMock): () => void {
  live.set(mock, currentMockOwner())
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
  return [...live.keys()]
}

/**
 * The test running in the current async context, as the installed runner integration tells (`undefined` if none).
 * @example
 * const owner = currentMockOwner()
 */
export function currentMockOwner(): MockOwner | undefined {
  try {
    return resolveOwner?.()
  } catch {
    // A runner that cannot tell leaves the mock unowned: it is then closed when the file ends.
    return undefined
  }
}

/**
 * Installs the function that tells which test is running (done by `mockforge-ws/vitest/setup` and `mockforge-ws/jest`);
 * returns the function that uninstalls it.
 * @example
 * const uninstall = setMockOwnerResolver(() => storage.getStore())
 */
export function setMockOwnerResolver(resolver: MockOwnerResolver): () => void {
  resolveOwner = resolver
  return () => {
    if (resolveOwner === resolver) resolveOwner = undefined
  }
}

/**
 * Installs a check run before any mock starts listening (it throws to refuse); returns the function that removes it.
 * `mockforge-ws/jest` uses it to refuse mocks nothing would close.
 * @example
 * const remove = setMockStartGuard(() => { throw new MockWsError('WSM_CONFIG', 'Failed to start …') })
 */
export function setMockStartGuard(guard: () => void): () => void {
  startGuard = guard
  return () => {
    if (startGuard === guard) startGuard = undefined
  }
}

/**
 * Throws the installed start guard's error, if any; every kind of mock calls it before it listens.
 * @example
 * assertMockCanStart(); server.listen(0)
 */
export function assertMockCanStart(): void {
  startGuard?.()
}

async function closeEach(mocks: TrackedMock[]): Promise<void> {
  const results = await Promise.allSettled(mocks.map((mock) => mock.close()))
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []))
  if (errors.length === 1) throw errors[0]
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} mocks reported failures`)
}

/**
 * Closes every started mock, whichever test started it, MSW mocks included.
 * Rejects with the strict-mode failures of any of them, after all are closed.
 * @example
 * afterAll(() => closeAllMocks())
 */
export function closeAllMocks(): Promise<void> {
  return closeEach([...live.keys()])
}

/**
 * Closes the mocks `owner` (a test) started, or with `undefined` those started outside any test; what the runner
 * integrations call after each test. Rejects with their strict-mode failures, after all are closed.
 * @example
 * afterEach((context) => closeMocksOf(context.task))
 */
export function closeMocksOf(owner: MockOwner | undefined): Promise<void> {
  return closeEach(mocksOf(owner))
}

/**
 * The mocks `owner` (a test) started and that are still open, in the order they started.
 * @example
 * afterEach((context) => { if (context.task.result?.state === 'fail') console.log(mocksOf(context.task).length) })
 */
export function mocksOf(owner: MockOwner | undefined): TrackedMock[] {
  return [...live].flatMap(([mock, of]) => (of === owner ? [mock] : []))
}

/**
 * Number of mocks started and not yet closed.
 * @example
 * expect(liveMockCount()).toBe(0)
 */
export function liveMockCount(): number {
  return live.size
}
