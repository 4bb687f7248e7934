import { MockWsError } from '../../errors.js'
import { errorMessage } from '../../session/to-error.js'
import { importPeer } from '../../session/optional-peer.js'

/** Module specifier of the optional `graphql-ws` peer (its client entry: message types and validation, no GraphQL engine). */
export const GRAPHQL_WS_MODULE = 'graphql-ws/client'
/** Module specifier of the optional `graphql` peer (only `parse` is used, to find an operation's name). */
export const GRAPHQL_MODULE = 'graphql'

type GraphqlWsModule = typeof import('graphql-ws/client')
type GraphqlModule = typeof import('graphql')

/** A protocol message as the kit reads it (graphql-ws validated it; its `MessageType` enum values are these strings). */
export type GraphqlWsMessage =
  | { type: 'connection_init' | 'connection_ack' | 'ping' | 'pong'; payload?: Record<string, unknown> | null }
  | { type: 'subscribe'; id: string; payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null } }
  | { type: 'next'; id: string; payload: unknown }
  | { type: 'error'; id: string; payload: readonly unknown[] }
  | { type: 'complete'; id: string }

/** What the kit takes from its two optional peers. */
export interface GraphqlPeers {
  /** Parses and validates a client message (throws on anything the protocol does not allow). */
  parseMessage(text: string): GraphqlWsMessage
  /** Validates and serializes a server message (throws on an invalid one). */
  stringifyMessage(message: GraphqlWsMessage): string
  /** Parses a GraphQL document (throws a GraphQL syntax error). */
  parse: GraphqlModule['parse']
  /** The protocol's close codes (graphql-ws's `CloseCode`). */
  CloseCode: GraphqlWsModule['CloseCode']
}

function importGraphqlPeer<T>(specifier: string): Promise<T> {
  return importPeer<T>(
    specifier,
    (cause, pkg) => new MockWsError('WSM_GRAPHQL', `Failed to start mockGraphqlWs(): the optional package ${pkg} is not installed. Run npm i -D graphql-ws graphql`, { cause }),
    (cause, pkg) => new MockWsError('WSM_GRAPHQL', `Failed to load ${pkg}: ${errorMessage(cause)}. Check that graphql-ws >= 6 and graphql >= 16 are installed.`, { cause }),
  )
}

/** Loads `graphql-ws` and `graphql` on demand; fails with an error naming the missing package. */
export async function loadGraphqlPeers(specifiers: { graphqlWs?: string; graphql?: string } = {}): Promise<GraphqlPeers> {
  const ws = await importGraphqlPeer<GraphqlWsModule>(specifiers.graphqlWs ?? GRAPHQL_WS_MODULE)
  const gql = await importGraphqlPeer<GraphqlModule>(specifiers.graphql ?? GRAPHQL_MODULE)
  return {
    parseMessage: (text) => ws.parseMessage(text) as unknown as GraphqlWsMessage,
    stringifyMessage: (message) => ws.stringifyMessage(message as unknown as Parameters<GraphqlWsModule['stringifyMessage']>[0]),
    parse: gql.parse,
    CloseCode: ws.CloseCode,
  }
}
