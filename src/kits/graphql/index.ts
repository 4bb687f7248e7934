// `mockforge-ws/graphql`: a scripted GraphQL-over-WebSocket server (graphql-transport-ws) over the core mock.
// graphql-ws and graphql are optional peers, loaded when a mock starts.
export { GraphqlWsBuilder, mockGraphqlWs } from './builder.js'
export type { GraphqlWsOptions } from './builder.js'
export { GraphqlWsMock } from './mock.js'
export { graphqlFramesToReplay } from './replay.js'
export type { GraphqlError, GraphqlOperation, GraphqlResult, GraphqlResults, InitCheck, OnSubscribeOptions, OperationMatcher } from './types.js'
