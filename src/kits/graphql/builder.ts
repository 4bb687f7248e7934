import { DEFAULT_GRAPHQL_INIT_TIMEOUT_MS, DEFAULT_GRAPHQL_PATH, DEFAULT_MAX_TRANSCRIPT, GRAPHQL_TRANSPORT_WS_PROTOCOL, MAX_TIMER_DELAY_MS } from '../../constants.js'
import { MockWsError } from '../../errors.js'
import type { DropMessagesOptions, HandshakeFaultOptions } from '../../latency/faults.js'
import type { LatencyInjector, LatencyInjectorOptions } from '../../latency/injector.js'
import type { LatencyProfileInput } from '../../latency/profile.js'
import { mockWs, type MockWsBuilder } from '../../server/builder.js'
import type { MockWsOptions } from '../../server/mock-ws.js'
import { loadGraphqlPeers } from './load.js'
import { GraphqlWsMock } from './mock.js'
import { graphqlProtocolHandler } from './protocol.js'
import type { GraphqlOperation, GraphqlResults, InitCheck, OnSubscribeOptions, OperationHandler, OperationMatcher } from './types.js'

/**
 * Options of `mockGraphqlWs()`: those of `mockWs()` (the subprotocol is set for you), plus the kit's own.
 * @example
 * await mockGraphqlWs({ strict: true, path: '/graphql', connectionInitWaitTimeoutMs: 1000 })
 */
export interface GraphqlWsOptions extends Omit<MockWsOptions, 'protocols'> {
  /** ms a client has to send `connection_init` before it is closed with 4408 (default 3000, as graphql-ws servers). */
  connectionInitWaitTimeoutMs?: number
  /**
   * The `mockWs` to build on (default: the core one). Pass a runner fixture's `mockWs` so that the
   * fixture closes this mock after the test like its own.
   */
  mockWs?: (options?: MockWsOptions) => MockWsBuilder
}

/**
 * Configures a GraphQL-over-WebSocket mock fluently; awaiting it starts the server (`PromiseLike<GraphqlWsMock>`).
 * @example
 * const gql = await mockGraphqlWs().onSubscribe('OnPrice', [{ data: { price: 1 } }, { data: { price: 2 } }], { intervalMs: 10 })
 */
export class GraphqlWsBuilder implements PromiseLike<GraphqlWsMock> {
  #inner: MockWsBuilder
  #handlers: OperationHandler[] = []
  #init: InitCheck | undefined
  #operations: GraphqlOperation[] = []
  #started: Promise<GraphqlWsMock> | undefined

  constructor(options: GraphqlWsOptions = {}) {
    const { mockWs: factory = mockWs, connectionInitWaitTimeoutMs = DEFAULT_GRAPHQL_INIT_TIMEOUT_MS, ...wsOptions } = options
    if (typeof connectionInitWaitTimeoutMs !== 'number' || !(connectionInitWaitTimeoutMs > 0)) {
      throw new MockWsError('WSM_CONFIG', `Failed to configure mockGraphqlWs(): connectionInitWaitTimeoutMs must be a number > 0 (ms), got ${String(connectionInitWaitTimeoutMs)}. Use Infinity to wait forever.`)
    }
    if (typeof factory !== 'function') {
      throw new MockWsError('WSM_CONFIG', `Failed to configure mockGraphqlWs(): mockWs must be the mockWs function (or a runner fixture's), got ${typeof factory}.`)
    }
    const strict = wsOptions.strict ?? false
    const unexpected = wsOptions.unexpected ?? (strict ? 'fail' : 'ignore')
    this.#inner = factory({ path: DEFAULT_GRAPHQL_PATH, ...wsOptions, protocols: [GRAPHQL_TRANSPORT_WS_PROTOCOL] })
    // The handler is built when the mock starts: the optional peers load then, and every onSubscribe() is in.
    this.#inner.use({
      handler: async () =>
        graphqlProtocolHandler({
          peers: await loadGraphqlPeers(),
          handlers: [...this.#handlers],
          init: this.#init,
          // Beyond what a timer holds, "forever" is simply never firing.
          initTimeoutMs: Math.min(connectionInitWaitTimeoutMs, MAX_TIMER_DELAY_MS),
          unexpected,
          operations: this.#operations,
          maxOperations: wsOptions.maxTranscript ?? DEFAULT_MAX_TRANSCRIPT,
        }),
    })
  }

  /**
   * Answers the operations that `match` selects (an operation name, or a RegExp tested against the query)
   * with `results`: a list (sent `intervalMs` apart, then `complete`), one result, or a function of the
   * operation's variables (sync or async) returning either. The first handler that matches wins.
   * @example
   * mockGraphqlWs().onSubscribe('OnPrice', [{ data: { price: 1 } }, { data: { price: 2 } }], { intervalMs: 10 })
   */
  onSubscribe(match: OperationMatcher, results: GraphqlResults, opts: OnSubscribeOptions = {}): this {
    this.#mutable('onSubscribe')
    const problems: string[] = []
    if (!(match instanceof RegExp) && (typeof match !== 'string' || match === '')) problems.push(`match must be an operation name or a RegExp, got ${JSON.stringify(match) ?? String(match)}`)
    if (results === null || (typeof results !== 'object' && typeof results !== 'function')) problems.push(`results must be a result object, a list of them or a function, got ${results === null ? 'null' : typeof results}`)
    else if (Array.isArray(results)) {
      results.forEach((r: unknown, i) => {
        if (r === null || typeof r !== 'object' || Array.isArray(r)) problems.push(`results[${i}] must be an object like { data: … }, got ${r === null ? 'null' : Array.isArray(r) ? 'an array' : typeof r}`)
      })
    }
    const intervalMs = opts.intervalMs ?? 0
    if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs < 0 || intervalMs > MAX_TIMER_DELAY_MS) problems.push(`intervalMs must be a number of ms from 0 to ${MAX_TIMER_DELAY_MS}, got ${String(intervalMs)}`)
    if (problems.length > 0) {
      throw new MockWsError('WSM_CONFIG', `Failed to configure onSubscribe(): ${problems.join('; ')}. Example: .onSubscribe('OnPrice', [{ data: { price: 1 } }], { intervalMs: 10 })`)
    }
    this.#handlers.push({ match, results, intervalMs })
    return this
  }

  /**
   * Alias of `onSubscribe()`: over the socket a query or a mutation is a `subscribe` message that gets one result.
   * @example
   * mockGraphqlWs().onQuery('Me', { data: { me: { id: '1' } } })
   */
  onQuery(match: OperationMatcher, results: GraphqlResults, opts: OnSubscribeOptions = {}): this {
    return this.onSubscribe(match, results, opts)
  }

  /**
   * Checks each `connection_init` payload: `false` closes the connection with 4403 Forbidden, an object
   * becomes the `connection_ack` payload, anything else acknowledges (the default: every client is welcome).
   * @example
   * mockGraphqlWs().onInit((payload) => payload.token === 'secret')
   */
  onInit(check: InitCheck): this {
    this.#mutable('onInit')
    if (typeof check !== 'function') throw new MockWsError('WSM_CONFIG', `Failed to configure onInit(): the check must be a function (payload) => boolean | object, got ${typeof check}.`)
    this.#init = check
    return this
  }

  /**
   * Delays the mock's messages by draws from a latency profile, as `mockWs().latency()`.
   * @example
   * await mockGraphqlWs({ seed: 1 }).latency('4g').onSubscribe('OnPrice', [{ data: { price: 1 } }])
   */
  latency(profile: LatencyProfileInput | LatencyInjector, opts: LatencyInjectorOptions = {}): this {
    this.#mutable('latency').latency(profile, opts)
    return this
  }

  /**
   * Loses server → client messages with `probability`, as `mockWs().dropMessages()`.
   * @example
   * await mockGraphqlWs({ seed: 7 }).dropMessages(0.1)
   */
  dropMessages(probability: number, opts: DropMessagesOptions = {}): this {
    this.#mutable('dropMessages').dropMessages(probability, opts)
    return this
  }

  /**
   * Refuses handshakes with an HTTP status, as `mockWs().failHandshake()`.
   * @example
   * await mockGraphqlWs().failHandshake(503, { times: 1 })
   */
  failHandshake(status: number, opts: HandshakeFaultOptions = {}): this {
    this.#mutable('failHandshake').failHandshake(status, opts)
    return this
  }

  /**
   * Holds handshakes for `ms`, as `mockWs().slowHandshake()`.
   * @example
   * await mockGraphqlWs().slowHandshake(500)
   */
  slowHandshake(ms: number, opts: HandshakeFaultOptions = {}): this {
    this.#mutable('slowHandshake').slowHandshake(ms, opts)
    return this
  }

  /** Starts the server (once); awaiting the builder calls this. */
  start(): Promise<GraphqlWsMock> {
    this.#started ??= this.#inner.start().then((mock) => new GraphqlWsMock(mock, this.#operations))
    return this.#started
  }

  then<A = GraphqlWsMock, B = never>(
    onfulfilled?: ((value: GraphqlWsMock) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.start().then(onfulfilled, onrejected)
  }

  /** The inner builder, while calls may still change it. */
  #mutable(what: string): MockWsBuilder {
    if (this.#started) {
      throw new MockWsError('WSM_CONFIG', `Failed to configure ${what}(): the mock has already started. Chain every call before awaiting mockGraphqlWs().`)
    }
    return this.#inner
  }
}

/**
 * Creates a scripted GraphQL-over-WebSocket server (graphql-transport-ws, as graphql-ws's `createClient`
 * speaks it) on a free loopback port; no schema needed. Await it to start.
 * @example
 * const gql = await mockGraphqlWs()
 *   .onSubscribe('OnPrice', [{ data: { price: 1 } }, { data: { price: 2 } }], { intervalMs: 10 })
 *   .onSubscribe(/query\s+Me/, [{ data: { me: { id: '1' } } }])
 * const client = createClient({ url: gql.url, webSocketImpl: WebSocket })
 */
export function mockGraphqlWs(options: GraphqlWsOptions = {}): GraphqlWsBuilder {
  return new GraphqlWsBuilder(options)
}
