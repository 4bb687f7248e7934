// Types of cases.cjs for the TypeScript runners (Vitest, Playwright).
import type { MockWs, MockWsBuilder, MockWsOptions } from '../../src/index.js'

export interface ContractClient {
  send(text: string): void
  next(): Promise<string>
  closed: Promise<{ code: number; reason: string }>
  close(): Promise<void>
}

export interface ContractContext {
  mockWs: (options?: MockWsOptions) => MockWsBuilder
  /** The runner's expect with the mockforge-ws matchers (typed loosely: each runner has its own). */
  expect: any
  connect: (mock: MockWs) => Promise<ContractClient>
  liveMockCount?: () => number
  /** Serves a builder through the transport under test (default: awaiting it, a real server). */
  start?: (builder: MockWsBuilder) => PromiseLike<any>
}

/** The context of `sessionCases`: `start` serves a builder through the transport under test. */
export interface SessionContractContext extends ContractContext {
  start: (builder: MockWsBuilder) => PromiseLike<any>
  ScenarioFailureError: abstract new (...args: any[]) => Error
  closeAllMocks: () => Promise<void>
}

export interface SessionContractCase {
  name: string
  run(ctx: SessionContractContext): Promise<void>
}

export interface ContractCase {
  name: string
  run(ctx: ContractContext): Promise<void>
}

export declare const cases: ContractCase[]
export declare const sessionCases: SessionContractCase[]
export declare function teardownCases(): ContractCase[]
export declare function waitUntil(check: () => boolean, what: string, timeoutMs?: number): Promise<void>
export declare function portAcceptsConnections(port: number): Promise<boolean>
export declare function tcpHandles(): { sockets: number; servers: number }
export declare const REACTION_MS: number
export declare function plain(text: unknown): string
