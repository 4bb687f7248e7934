// `setupFilesAfterEnv: ['mockforge-ws/jest']`: the matchers on Jest's `expect`, and after each test the mocks that
// test started closed (strict-mode failures of a mock the test left open fail that test). Jest runs no afterEach for
// `test.concurrent` tests, so their mocks (and those started outside any test) are closed when the file ends.
import { MockWsError } from '../errors.js'
import { closeAllMocks, closeMocksOf, mocksOf, setMockOwnerResolver, setMockStartGuard, type MockOwner } from '../server/registry.js'
import { closeThenReport, lastFramesReport } from './last-frames.js'
import { mockWsMatchers } from './matchers.js'
export type { JestMatchersLoaded } from './jest-types.js'
export type { MockWsMatchers, ReceiveMessageOptions } from './matchers.js'
export { mockWsMatchers } from './matchers.js'

/** The Jest globals `installJest` registers with (from `@jest/globals`, or the ones Jest injects). */
export interface JestGlobals {
  expect?: {
    extend(matchers: Record<string, unknown>): void
    /** Jest 30 tells the running test here, from its own async context: `currentTestIdentity()`. */
    getState?(): { currentTestIdentity?: () => unknown }
  }
  afterEach?: (fn: () => Promise<void>) => void
  /** Closes the mocks of `test.concurrent` tests (which get no afterEach) when the file ends. */
  afterAll?: (fn: () => Promise<void>) => void
}

// Jest injects `expect`, `afterEach` and `afterAll` as globals into setup files; reading them from globalThis keeps
// this module free of any Jest import, so it loads in ESM and CJS test files alike.
const globals = globalThis as JestGlobals

const NOT_INSTALLED =
  "Failed to start the mock: mockforge-ws/jest found no Jest globals (injectGlobals: false?), so nothing would close the mock and Jest would not exit. Call installJest({ expect, afterEach, afterAll }) with the ones from '@jest/globals' in a setup file (setupFilesAfterEnv)."

let removeGuard: (() => void) | undefined

/**
 * Registers the matchers and the teardown (after each test, and when the file ends) on the given Jest globals
 * (done on import with Jest's own).
 * @example
 * import { expect, afterEach, afterAll } from '@jest/globals'; installJest({ expect, afterEach, afterAll })
 */
export function installJest(target: JestGlobals = globals): void {
  const { expect, afterEach, afterAll } = target
  if (!expect || !afterEach) {
    throw new MockWsError(
      'WSM_CONFIG',
      "Failed to set up mockforge-ws/jest: Jest globals `expect` and `afterEach` are missing. List it in setupFilesAfterEnv (not setupFiles), or call installJest({ expect, afterEach, afterAll }) with the ones from '@jest/globals'.",
    )
  }
  removeGuard?.()
  removeGuard = undefined
  expect.extend(mockWsMatchers)
  const currentTest = (): MockOwner | undefined => {
    const test = expect.getState?.().currentTestIdentity?.()
    return typeof test === 'object' && test !== null ? test : undefined
  }
  setMockOwnerResolver(currentTest)
  afterEach(async () => {
    // Inside an afterEach hook Jest's context still names the test it follows; without it (Jest < 30) close everything.
    const test = currentTest()
    if (!test) return closeAllMocks()
    // Jest's test object holds the errors of the test so far: a failed test's output gets its mocks' last frames.
    const errors = (test as { errors?: unknown }).errors
    const report = Array.isArray(errors) && errors.length > 0 ? lastFramesReport(mocksOf(test)) : undefined
    return closeThenReport(report, () => closeMocksOf(test))
  })
  afterAll?.(async () => {
    await closeAllMocks()
  })
}

if (globals.expect && globals.afterEach) installJest(globals)
// Loaded without Jest's globals (injectGlobals: false): refuse to start mocks nothing would close, until the user's
// own setup file calls installJest().
else removeGuard = setMockStartGuard(() => {
  throw new MockWsError('WSM_CONFIG', NOT_INSTALLED)
})
