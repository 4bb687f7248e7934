import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import type { TranscriptFrame } from './types.js'
import type { UpgradeRequest } from './ws-transport.js'

/** What an observer learns about a connection. */
export interface ObservedConnection {
  /** 1-based id within its mock/router. */
  readonly id: number
  /** Request path (without query). */
  readonly path: string
  /** Full request URL (path + query). */
  readonly url: string
  readonly headers: IncomingHttpHeaders
  /** Negotiated subprotocol, or ''. */
  readonly protocol: string
  /** The upgrade request (the `IncomingMessage` until the connection's handler ran; then its method, url, headers, httpVersion, socket). */
  readonly request: UpgradeRequest
}

/**
 * Hooks the server engine calls for every connection and frame; telemetry (spans, metrics)
 * is implemented as an observer. Every hook must be cheap and must never throw.
 */
export interface EngineObserver {
  connectionOpened?(conn: ObservedConnection): void
  /** One data frame, after it was received (`in`) or handed to the socket (`out`). */
  message?(conn: ObservedConnection, dir: 'in' | 'out', size: number, binary: boolean): void
  connectionError?(conn: ObservedConnection, error: Error): void
  connectionClosed?(conn: ObservedConnection, code: number, reason: string): void
  /** Every frame as it enters the transcript, with its content (the AsyncAPI contract check reads frames here). */
  transcriptFrame?(frame: TranscriptFrame): void
  /** An upgrade that was refused (wrong path, fault injection, limit) with its HTTP status. */
  handshakeRejected?(request: IncomingMessage, status: number): void
}
