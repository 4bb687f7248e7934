// `setupFiles: ['mockforge-ws/vitest/setup']`: the matchers on `expect`, and every mock closed after each test.
import { afterEach, expect } from 'vitest'
import { closeAllMocks } from '../server/mock-ws.js'
import { mockWsMatchers } from './matchers.js'
export type { VitestMatchersLoaded } from './vitest-types.js'
export type { MockWsMatchers, ReceiveMessageOptions } from './matchers.js'

expect.extend(mockWsMatchers)

afterEach(async () => {
  await closeAllMocks()
})
