/**
 * One `subscribe` a client sent (queries and mutations over the socket are `subscribe` messages too).
 * @example
 * expect(gql.operations[0]).toEqual({ connection: 1, id: expect.any(String), operationName: 'OnPrice', query: 'subscription OnPrice { price }', variables: {} })
 */
export interface GraphqlOperation {
  /** Connection id (1-based, in order of arrival). */
  connection: number
  /** The id the client chose for this operation. */
  id: string
  /** `payload.operationName`, else the name of the query's operation, else `null` (anonymous). */
  operationName: string | null
  query: string
  /** `payload.variables`, or `{}` when the client sent none. */
  variables: Record<string, unknown>
}

/**
 * A GraphQL error as sent to clients (in a result's `errors`, or as the payload of an `error` message).
 * @example
 * const result: GraphqlResult = { data: null, errors: [{ message: 'Not found', path: ['user'] }] }
 */
export interface GraphqlError {
  message: string
  locations?: readonly { line: number; column: number }[]
  path?: readonly (string | number)[]
  extensions?: Record<string, unknown>
}

/**
 * One execution result, sent as a `next` message.
 * @example
 * const result: GraphqlResult = { data: { price: 1 } }
 */
export interface GraphqlResult {
  data?: Record<string, unknown> | null
  errors?: readonly GraphqlError[]
  extensions?: Record<string, unknown>
}

/**
 * What an operation answers: one result, a list of them, or a function of the operation's variables
 * (sync or async) returning either.
 * @example
 * const results: GraphqlResults = (variables) => [{ data: { user: { id: variables.id } } }]
 */
export type GraphqlResults =
  | GraphqlResult
  | readonly GraphqlResult[]
  | ((variables: Record<string, unknown>, operation: GraphqlOperation) => GraphqlResult | readonly GraphqlResult[] | Promise<GraphqlResult | readonly GraphqlResult[]>)

/**
 * Which operations a handler serves: an operation name (exact), or a RegExp tested against the query text.
 * @example
 * gql.onSubscribe(/subscription\s+OnPrice/, [{ data: { price: 1 } }])
 */
export type OperationMatcher = string | RegExp

/**
 * Options of `onSubscribe()`.
 * @example
 * mockGraphqlWs().onSubscribe('OnPrice', [{ data: { price: 1 } }, { data: { price: 2 } }], { intervalMs: 100 })
 */
export interface OnSubscribeOptions {
  /** ms between two results of a list (default 0: all at once); the first is sent at once. */
  intervalMs?: number
}

/**
 * Decides on `connection_init`: `false` refuses the connection (closed with 4403 Forbidden), an object is
 * sent as the `connection_ack` payload, anything else acknowledges.
 * @example
 * mockGraphqlWs().onInit((payload) => payload.token === 'secret')
 */
export type InitCheck = (payload: Record<string, unknown>, connection: number) => boolean | Record<string, unknown> | void | Promise<boolean | Record<string, unknown> | void>

/** @internal a registered operation handler. */
export interface OperationHandler {
  match: OperationMatcher
  results: GraphqlResults
  intervalMs: number
}
