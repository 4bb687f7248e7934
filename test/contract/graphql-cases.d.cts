// Types of graphql-cases.cjs for the TypeScript runners (Vitest, Playwright).
import type { GraphqlWsBuilder, GraphqlWsOptions } from '../../src/kits/graphql/index.js'

export interface GraphqlContractContext {
  mockGraphqlWs: (options?: GraphqlWsOptions) => GraphqlWsBuilder
  /** The runner's expect with the mockforge-ws matchers (typed loosely: each runner has its own). */
  expect: any
  liveMockCount?: () => number
}

export interface GraphqlContractCase {
  name: string
  run(ctx: GraphqlContractContext): Promise<void>
}

export declare const graphqlCases: GraphqlContractCase[]
export declare function graphqlTeardownCases(): GraphqlContractCase[]
