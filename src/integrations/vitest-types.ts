import type { MockWsMatchers } from './matchers.js'

// Adds the matchers to Vitest's `expect(…)` types wherever this file is part of the program
// (importing `mockforge-ws/vitest` or `mockforge-ws/vitest/setup` is enough).
declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars
  interface Matchers<T = any> extends MockWsMatchers<void> {}
}

/**
 * Marker type proving the Vitest matcher augmentation is loaded.
 * @example
 * import type { VitestMatchersLoaded } from 'mockforge-ws/vitest'
 */
export type VitestMatchersLoaded = MockWsMatchers<void>
