// `setupFilesAfterEnv: ['mockforge-ws/jest']`: the matchers on Jest's `expect`, and every mock closed after each test
// (strict-mode failures of a mock the test left open fail that test).
import { MockWsError } from '../errors.js'
import { closeAllMocks } from '../server/mock-ws.js'
import { mockWsMatchers } from './matchers.js'
export type { JestMatchersLoaded } from './jest-types.js'
export type { MockWsMatchers, ReceiveMessageOptions } from './matchers.js'
export { mockWsMatchers } from './matchers.js'

interface JestGlobals {
  expect?: { extend(matchers: Record<string, unknown>): void }
  afterEach?: (fn: () => Promise<void>) => void
}

// Jest injects `expect` and `afterEach` as globals into setup files; reading them from globalThis keeps
// this module free of any Jest import, so it loads in ESM and CJS test files alike.
const globals = globalThis as JestGlobals

/**
 * Registers the matchers and the after-each teardown on the given Jest globals (done on import with Jest's own).
 * @example
 * import { expect, afterEach } from '@jest/globals'; installJest({ expect, afterEach })
 */
export function installJest(target: JestGlobals = globals): void {
  if (!target.expect || !target.afterEach) {
    throw new MockWsError(
      'WSM_CONFIG',
      'Failed to set up mockforge-ws/jest: Jest globals `expect` and `afterEach` are missing. List it in setupFilesAfterEnv (not setupFiles), or call installJest({ expect, afterEach }) with the ones from @jest/globals.',
    )
  }
  target.expect.extend(mockWsMatchers)
  target.afterEach(async () => {
    await closeAllMocks()
  })
}

if (globals.expect && globals.afterEach) installJest(globals)
