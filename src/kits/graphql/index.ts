// `mockforge-ws/graphql`: a scripted GraphQL-over-WebSocket server (graphql-transport-ws) over the core mock.
// graphql-ws and graphql are optional peers, loaded when a mock starts.
// Reaching the core's index keeps its modules in the same chunks as the other entries' (tsup.config.ts).
import '../../index.js'
export { GraphqlWsBuilder, mockGraphqlWs } from './builder.js'
export type { GraphqlWsOptions } from './builder.js'
export { GraphqlWsMock } from './mock.js'
export { graphqlFramesToReplay } from './replay.js'
export type { GraphqlError, GraphqlOperation, GraphqlResult, GraphqlResults, InitCheck, OnSubscribeOptions, OperationMatcher } from './types.js'
