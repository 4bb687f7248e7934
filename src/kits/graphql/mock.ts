import type { MockWsMetrics } from '../../session/session.js'
import type { MockConnection } from '../../server/ws-transport.js'
import type { MockWs, NextOptions, ToReplayOptions } from '../../server/mock-ws.js'
import type { ScenarioFailure, TranscriptFrame } from '../../server/types.js'
import { toJSONL } from '../../replay/serialize.js'
import type { ReplayEntry } from '../../replay/types.js'
import { graphqlFramesToReplay } from './replay.js'
import type { GraphqlOperation } from './types.js'

/**
 * A running GraphQL-over-WebSocket mock: a `MockWs` speaking graphql-transport-ws, with the operations
 * clients sent; the mockforge-ws matchers, `closeAllMocks()` and the runner teardowns work on it as on `mockWs()`.
 * @example
 * const gql = await mockGraphqlWs().onSubscribe('OnPrice', [{ data: { price: 1 } }])
 * const client = createClient({ url: gql.url, webSocketImpl: WebSocket })
 */
export class GraphqlWsMock {
  /** The underlying mock (transcript, connections, faults). */
  readonly mock: MockWs
  /** Every `subscribe` clients sent, in order of arrival (queries and mutations included; the newest `maxTranscript` of them). */
  readonly operations: readonly GraphqlOperation[]

  /** @internal use `mockGraphqlWs()` */
  constructor(mock: MockWs, operations: readonly GraphqlOperation[]) {
    this.mock = mock
    this.operations = operations
  }

  /** `ws://127.0.0.1:PORT/graphql`: what `createClient({ url })` takes. */
  get url(): string {
    return this.mock.url
  }

  get port(): number {
    return this.mock.port
  }

  get path(): string {
    return this.mock.path
  }

  /** Every frame both ways, all connections (protocol messages as JSON text). */
  get transcript(): readonly TranscriptFrame[] {
    return this.mock.transcript
  }

  /** Client → server frames. */
  get received(): TranscriptFrame[] {
    return this.mock.received
  }

  /** Server → client frames. */
  get sent(): TranscriptFrame[] {
    return this.mock.sent
  }

  /** Failures so far (unknown operations and protocol errors when `strict`, results that failed). */
  get failures(): readonly ScenarioFailure[] {
    return this.mock.failures
  }

  /** Live connections, in order of arrival. */
  get connections(): readonly MockConnection[] {
    return this.mock.connections
  }

  get metrics(): MockWsMetrics {
    return this.mock.metrics
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.mock.closed
  }

  /** Resolves with the next connection not yet taken by an earlier call. */
  nextConnection(opts?: NextOptions): Promise<MockConnection> {
    return this.mock.nextConnection(opts)
  }

  /**
   * One connection's traffic as replay entries that a plain `mockWs()` replays to a fresh client
   * (its new ids captured and echoed back; keep-alive pings left out).
   * @example
   * await writeFile('prices.jsonl', gql.toJSONL())
   */
  toReplay(opts: ToReplayOptions = {}): ReplayEntry[] {
    return graphqlFramesToReplay(this.mock.transcript, opts.connection)
  }

  /** The same as `toReplay()`, as JSON Lines. */
  toJSONL(opts: ToReplayOptions = {}): string {
    return toJSONL(this.toReplay(opts))
  }

  /** Closes every connection (1001) and the server; in strict mode rejects with a report of the failures. */
  close(): Promise<void> {
    return this.mock.close()
  }
}
