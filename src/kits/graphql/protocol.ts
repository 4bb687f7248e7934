// graphql-transport-ws over one mock connection: the server side of the protocol, answering from the
// kit's operation handlers instead of a schema. Close codes and reasons are the ones graphql-ws servers use.
import { trimOldest } from '../../session/bounded.js'
import { GRAPHQL_TRANSPORT_WS_PROTOCOL } from '../../constants.js'
import type { ConnectionHandler } from '../../session/session.js'
import type { InboundMessage } from '../../session/connection.js'
import type { LongTimeout } from '../../server/long-timeout.js'
import type { GraphqlPeers, GraphqlWsMessage } from './load.js'
import type { GraphqlError, GraphqlOperation, GraphqlResult, InitCheck, OperationHandler, OperationMatcher } from './types.js'
import { errorMessage, toError } from '../../session/to-error.js'

/** Everything the protocol handler needs, resolved once when the mock starts. */
export interface GraphqlProtocolConfig {
  peers: GraphqlPeers
  handlers: readonly OperationHandler[]
  init: InitCheck | undefined
  initTimeoutMs: number
  /** `fail`: unknown operations and protocol errors are failures; `ignore`: they are only answered. */
  unexpected: 'fail' | 'ignore'
  /** Every subscribe, in order of arrival (the kit's `operations`). */
  operations: GraphqlOperation[]
  /** Operations kept before the oldest are forgotten (the mock's `maxTranscript`), so a soak stays bounded. */
  maxOperations: number
}

/** A readable name of a matcher, as unknown-operation errors list them. */
function describeOperationMatcher(match: OperationMatcher): string {
  return typeof match === 'string' ? JSON.stringify(match) : String(match)
}

/** The name of the operation a document defines (the first named one), or null. */
function operationNameOf(peers: GraphqlPeers, query: string): { name: string | null; syntaxError?: GraphqlError } {
  try {
    const doc = peers.parse(query, { noLocation: true })
    for (const def of doc.definitions) if (def.kind === 'OperationDefinition') return { name: def.name?.value ?? null }
    return { name: null }
  } catch (error) {
    return { name: null, syntaxError: { message: errorMessage(error) } }
  }
}

function matches(handler: OperationHandler, op: GraphqlOperation): boolean {
  if (typeof handler.match === 'string') return op.operationName === handler.match
  handler.match.lastIndex = 0
  return handler.match.test(op.query)
}

function describeOp(op: GraphqlOperation): string {
  if (op.operationName) return `"${op.operationName}"`
  const text = op.query.replace(/\s+/g, ' ').trim()
  return `(anonymous) ${JSON.stringify(text.length > 60 ? `${text.slice(0, 59)}…` : text)}`
}

/**
 * The connection handler that speaks graphql-transport-ws: `connection_init`/`connection_ack` (with the
 * optional init check), ping/pong, `subscribe` → `next`… `complete` from the matching handler, `error`
 * for unknown operations, and client `complete` stopping a stream.
 */
export function graphqlProtocolHandler(config: GraphqlProtocolConfig): ConnectionHandler {
  const { peers, handlers } = config
  const { CloseCode } = peers
  const known = handlers.map((h) => describeOperationMatcher(h.match))

  return (conn, engine) => {
    if (conn.protocol !== GRAPHQL_TRANSPORT_WS_PROTOCOL) {
      const actual = conn.protocol ? `subprotocol "${conn.protocol}"` : 'no subprotocol'
      if (config.unexpected === 'fail') {
        engine.addFailure({ kind: 'unexpected-message', connection: conn.id, step: 0, expected: `a client offering the ${GRAPHQL_TRANSPORT_WS_PROTOCOL} subprotocol`, actual, ts: conn.elapsed(), message: `connection refused: ${actual}` })
      }
      conn.close(CloseCode.SubprotocolNotAcceptable, 'Subprotocol not acceptable')
      return
    }
    let initReceived = false
    let acknowledged = false
    let messageCount = 0
    // Live operations by id; a stream's pending timer lives here so that a client `complete` can stop it.
    const live = new Map<string, { stopped: boolean; timer?: LongTimeout }>()
    const initTimer = conn.setTimer(() => {
      if (!initReceived) conn.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout')
    }, config.initTimeoutMs)
    conn.onClose(() => {
      for (const op of live.values()) op.stopped = true
      live.clear()
    })

    const send = (message: GraphqlWsMessage): void => {
      if (conn.isOpen) conn.send(peers.stringifyMessage(message))
    }

    // Whatever a user callback does, it must never become an unhandled rejection that takes the process down.
    const guard = (work: Promise<void>): void => {
      work.catch((error: unknown) => {
        engine.error(conn, toError(error))
        conn.close(CloseCode.InternalServerError, 'Internal server error')
      })
    }

    function fail(step: number, expected: string, actual: string, message: string): void {
      if (config.unexpected !== 'fail') return
      engine.addFailure({ kind: 'unexpected-message', connection: conn.id, step, expected, actual, ts: conn.elapsed(), message })
    }

    function protocolError(step: number, code: number, reason: string, actual: string): void {
      fail(step, 'a valid graphql-transport-ws message', `${actual} (closed with ${code}: ${reason})`, `message ${step}: ${reason}`)
      conn.close(code, reason)
    }

    async function onInit(payload: Record<string, unknown>, step: number): Promise<void> {
      let verdict: Awaited<ReturnType<InitCheck>>
      try {
        verdict = config.init ? await config.init(payload, conn.id) : undefined
      } catch (error) {
        const cause = errorMessage(error)
        engine.addFailure({ kind: 'send-failed', connection: conn.id, step, expected: 'onInit() to decide', actual: `threw: ${cause}`, ts: conn.elapsed(), message: `onInit() threw: ${cause}` })
        conn.close(CloseCode.InternalServerError, 'Internal server error')
        return
      }
      if (!conn.isOpen) return
      if (verdict === false) {
        conn.close(CloseCode.Forbidden, 'Forbidden')
        return
      }
      acknowledged = true
      send(verdict !== null && typeof verdict === 'object' && !Array.isArray(verdict) ? { type: 'connection_ack', payload: verdict } : { type: 'connection_ack' })
    }

    async function run(op: GraphqlOperation, handler: OperationHandler, state: { stopped: boolean; timer?: LongTimeout }, step: number): Promise<void> {
      let results: readonly GraphqlResult[]
      try {
        const produced = typeof handler.results === 'function' ? await handler.results(op.variables, op) : handler.results
        results = Array.isArray(produced) ? (produced as readonly GraphqlResult[]) : [produced as GraphqlResult]
        for (const [i, r] of results.entries()) {
          if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new Error(`result ${i + 1} is ${r === null ? 'null' : Array.isArray(r) ? 'an array' : typeof r}, not an object like { data: … }`)
        }
      } catch (error) {
        if (state.stopped) return
        const cause = errorMessage(error)
        engine.addFailure({ kind: 'send-failed', connection: conn.id, step, expected: `results of ${describeOperationMatcher(handler.match)}`, actual: cause, ts: conn.elapsed(), message: `the results of ${describeOperationMatcher(handler.match)} for ${describeOp(op)} failed: ${cause}` })
        live.delete(op.id)
        send({ id: op.id, type: 'error', payload: [{ message: `mockforge-ws: the results of ${describeOperationMatcher(handler.match)} failed: ${cause}` }] })
        return
      }
      const emit = (i: number): void => {
        state.timer = undefined
        if (state.stopped || !conn.isOpen) return
        const result = results[i]
        if (result) {
          try {
            send({ id: op.id, type: 'next', payload: result })
          } catch (error) {
            const cause = errorMessage(error)
            engine.addFailure({ kind: 'send-failed', connection: conn.id, step, expected: `result ${i + 1} of ${describeOperationMatcher(handler.match)}`, actual: cause, ts: conn.elapsed(), message: `result ${i + 1} of ${describeOp(op)} could not be sent: ${cause}` })
          }
        }
        if (i + 1 < results.length) {
          if (handler.intervalMs > 0) state.timer = conn.setTimer(() => emit(i + 1), handler.intervalMs)
          else emit(i + 1)
          return
        }
        live.delete(op.id)
        send({ id: op.id, type: 'complete' })
      }
      emit(0)
    }

    function onSubscribe(id: string, payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null }, raw: string, step: number): void {
      if (!acknowledged) return protocolError(step, CloseCode.Unauthorized, 'Unauthorized', raw)
      if (live.has(id)) return protocolError(step, CloseCode.SubscriberAlreadyExists, `Subscriber for ${id} already exists`, raw)
      const parsed = payload.operationName ? { name: payload.operationName } : operationNameOf(peers, payload.query)
      const op: GraphqlOperation = { connection: conn.id, id, operationName: parsed.name, query: payload.query, variables: payload.variables ?? {} }
      config.operations.push(op)
      trimOldest(config.operations, config.maxOperations)
      const handler = handlers.find((h) => matches(h, op))
      if (!handler) {
        const list = known.length > 0 ? `Known operations: ${known.join(', ')}.` : 'The mock knows no operations yet.'
        const message = `mockforge-ws: no mock for operation ${describeOp(op)}. ${list} Add .onSubscribe(${op.operationName ? JSON.stringify(op.operationName) : '/pattern/'}, results) to the mock.`
        fail(step, `a subscribe for one of: ${known.join(', ') || '(none)'}`, raw, `unknown operation ${describeOp(op)}`)
        const errors: GraphqlError[] = [{ message }]
        if ('syntaxError' in parsed && parsed.syntaxError) errors.push(parsed.syntaxError)
        send({ id, type: 'error', payload: errors })
        return
      }
      const state: { stopped: boolean; timer?: LongTimeout } = { stopped: false }
      live.set(id, state)
      guard(run(op, handler, state, step))
    }

    function onComplete(id: string): void {
      const state = live.get(id)
      if (!state) return
      state.stopped = true
      if (state.timer) conn.clearTimer(state.timer)
      live.delete(id)
    }

    function onMessage(message: InboundMessage): void {
      const step = ++messageCount
      if (message.isBinary) return protocolError(step, CloseCode.BadRequest, 'Invalid message received', message.text)
      let parsed: GraphqlWsMessage
      try {
        parsed = peers.parseMessage(message.text)
      } catch (error) {
        const cause = errorMessage(error)
        fail(step, 'a valid graphql-transport-ws message', `${message.text} (closed with ${CloseCode.BadRequest}: ${cause})`, `message ${step} is invalid: ${cause}`)
        conn.close(CloseCode.BadRequest, 'Invalid message received')
        return
      }
      switch (parsed.type) {
        case 'connection_init':
          if (initReceived) return protocolError(step, CloseCode.TooManyInitialisationRequests, 'Too many initialisation requests', message.text)
          initReceived = true
          conn.clearTimer(initTimer)
          guard(onInit(parsed.payload ?? {}, step))
          return
        case 'ping':
          send(parsed.payload ? { type: 'pong', payload: parsed.payload } : { type: 'pong' })
          return
        case 'pong':
          return
        case 'subscribe':
          return onSubscribe(parsed.id, parsed.payload, message.text, step)
        case 'complete':
          return onComplete(parsed.id)
        default:
          // connection_ack, next and error only ever travel server → client.
          return protocolError(step, CloseCode.BadRequest, `Unexpected message type "${parsed.type}" from the client`, message.text)
      }
    }

    conn.onMessage(onMessage)
  }
}
