import { test as baseTest } from 'vitest'
import { expect } from 'vitest'
import { createFixtureScope, type MockWsFactory } from './fixture.js'
import { lastFramesReport, MockWsLastFrames } from './last-frames.js'
import { mockWsMatchers } from './matchers.js'
export type { VitestMatchersLoaded } from './vitest-types.js'
export type { MockWsMatchers, ReceiveMessageOptions } from './matchers.js'
export type { MockWsFactory } from './fixture.js'
export { mockWsMatchers } from './matchers.js'
export { describe, expect, beforeEach, afterEach, beforeAll, afterAll, vi } from 'vitest'

// Importing the fixture makes the matchers available too, so one import is enough.
expect.extend(mockWsMatchers)

/**
 * The fixtures `test` adds to Vitest's test context.
 * @example
 * test('x', async ({ mockWs }: MockWsFixtures) => {})
 */
export interface MockWsFixtures {
  /** `mockWs()` whose servers close after the test; strict-mode failures of mocks left open fail the test. */
  mockWs: MockWsFactory
}

/**
 * Vitest's `test` with a `mockWs` fixture: a factory whose servers are closed after each test.
 * @example
 * test('greets', async ({ mockWs }) => {
 *   const ws = await mockWs().send('hello')
 *   // connect the code under test to ws.url …
 * })
 */
export const test = baseTest.extend<MockWsFixtures>({
  // Vitest reads the fixture's dependencies from the destructuring pattern: only the test's own onTestFailed.
  mockWs: async ({ onTestFailed }, use) => {
    const scope = createFixtureScope()
    // A failed test's output gets the last frames of the fixture's mocks. Thrown from onTestFailed, not from the
    // teardown below: Vitest reports an error of a fixture's teardown twice.
    onTestFailed(async () => {
      const report = lastFramesReport(await scope.mocks())
      if (report) throw new MockWsLastFrames(report)
    })
    try {
      await use(scope.factory)
    } finally {
      await scope.teardown()
    }
  },
})

/**
 * Alias of `test`, for suites written with `it`.
 * @example
 * it('greets', async ({ mockWs }) => { await mockWs() })
 */
export const it = test
