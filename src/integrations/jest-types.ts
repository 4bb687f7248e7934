import type { MockWsMatchers } from './matchers.js'
import type {} from 'expect'

// Adds the matchers to Jest's `expect(…)` types: the global `expect` (@types/jest) and `@jest/globals`.
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars
    interface Matchers<R, T = {}> extends MockWsMatchers<R> {}
  }
}

declare module 'expect' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars
  interface Matchers<R extends void | Promise<void>, T = unknown> extends MockWsMatchers<R> {}
}

/**
 * Marker type proving the Jest matcher augmentation is loaded.
 * @example
 * import type { JestMatchersLoaded } from 'mockforge-ws/jest'
 */
export type JestMatchersLoaded = MockWsMatchers<void>
