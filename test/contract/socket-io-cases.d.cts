// Types of socket-io-cases.cjs for the TypeScript runners (Vitest, Playwright).
import type { MockSocketIoBuilder, MockSocketIoOptions, ioEvent } from '../../src/kits/socket-io/index.js'

export interface SocketIoContractContext {
  mockSocketIo: (options?: MockSocketIoOptions) => MockSocketIoBuilder
  /** The runner's expect with the mockforge-ws matchers (typed loosely: each runner has its own). */
  expect: any
  ioEvent: typeof ioEvent
  liveMockCount: () => number
}

export interface SocketIoContractCase {
  name: string
  run(ctx: SocketIoContractContext): Promise<void>
}

export declare const cases: SocketIoContractCase[]
export declare function teardownCases(): SocketIoContractCase[]
