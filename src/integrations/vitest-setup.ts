// `setupFiles: ['mockforge-ws/vitest/setup']`: the matchers on `expect`, and after each test the mocks that test
// started closed (tests running concurrently never close one another's); mocks started outside any test (module
// scope, beforeAll) are closed when the file ends.
import { AsyncLocalStorage } from 'node:async_hooks'
import * as vitest from 'vitest'
import { closeAllMocks, closeMocksOf, mocksOf, setMockOwnerResolver, type MockOwner } from '../server/registry.js'
import { closeThenReport, lastFramesReport } from './last-frames.js'
import { mockWsMatchers } from './matchers.js'
export type { VitestMatchersLoaded } from './vitest-types.js'
export type { MockWsMatchers, ReceiveMessageOptions } from './matchers.js'

vitest.expect.extend(mockWsMatchers)

/** True once the test has failed (its own assertion or error); read in after-each hooks and fixture teardown. */
function isFailing(task: { result?: { state?: string; errors?: unknown[] } }): boolean {
  return task.result?.state === 'fail' || (task.result?.errors?.length ?? 0) > 0
}

// Vitest's aroundEach wraps the test with its beforeEach/afterEach hooks, so a store entered there is the async
// context of everything the test runs, concurrent tests included; the owner is Vitest's own test object.
const running = new AsyncLocalStorage<MockOwner>()

if (typeof vitest.aroundEach === 'function') {
  setMockOwnerResolver(() => running.getStore())
  vitest.aroundEach(async (runTest, context) => {
    await running.run(context.task, runTest)
  })
  vitest.afterEach(async (context) => {
    // A failed test's output gets the last frames of its mocks, read before they close. (Vitest refuses
    // annotations once a test has failed, so the frames travel as an error of the hook.)
    const report = isFailing(context.task) ? lastFramesReport(mocksOf(context.task)) : undefined
    await closeThenReport(report, () => closeMocksOf(context.task))
  })
  vitest.afterAll(async () => {
    await closeMocksOf(undefined)
  })
} else {
  // Vitest before 4.1 has no aroundEach to tell tests apart: close everything after each test, as before.
  vitest.afterEach(async () => {
    await closeAllMocks()
  })
}
