import type { Socket } from 'node:net'
import WebSocket from 'ws'
import { CLOSE_ABNORMAL, CLOSE_BAD_GATEWAY, CLOSE_INTERNAL_ERROR, CLOSE_NO_STATUS, CLOSE_TRY_AGAIN_LATER } from '../constants.js'
import { MockWsError, ProxyError } from '../errors.js'
import { isSendableCloseCode, truncateCloseReason } from '../session/close-codes.js'
import { toError } from '../session/to-error.js'
import { keepText } from '../session/bytes.js'
import type { ConnectionSink } from '../session/connection.js'
import type { MockConnection } from '../server/ws-transport.js'
import type { WsSocket } from '../server/ws-socket.js'
import {
  PROXY_DRAIN_CHECK_MS,
  PROXY_HIGH_WATER_BYTES,
  PROXY_LOW_WATER_BYTES,
  PROXY_UPSTREAM_CLOSE_TIMEOUT_MS,
  type MessageTransform,
  type ProxyDirection,
} from './config.js'
import { realClock } from '../template/clock.js'
import { passThrough } from './pass-through.js'

/** Client pings whose upstream pong is still awaited, at most (older ones are forgotten). */
const MAX_PENDING_PINGS = 16

/** Options of `forwardConnection`. */
export interface ForwardOptions {
  transform: MessageTransform | undefined
  maxBufferedBytes: number
  /** The upstream URL, for error messages. */
  upstreamUrl: string
  /** Reports a problem (counted in the mock's metrics and telemetry). */
  onError(error: Error): void
  /**
   * Set when nothing changes or holds frames in flight (no transform, latency or drops): data frames
   * then pass as TCP bytes (see pass-through.ts), recorded through `sink`, and sends to the client
   * stop past the mock's `maxBufferedBytes` as `Connection.send` does (`conn.overBuffered()`).
   */
  passThrough?: { sink: Pick<ConnectionSink, 'frame'> }
}

/**
 * Coalesces the frames written to `socket` during one turn of the event loop into one write:
 * `ws` parses every frame of a TCP chunk in one go, and without this each forwarded frame would
 * cost a system call of its own (the proxy's main cost on small messages). `_socket`, the TCP socket
 * under a `ws` WebSocket, is not public API: without it nothing is batched.
 */
function batchWrites(socket: WsSocket): () => void {
  const tcp = (socket as unknown as { _socket?: Partial<Pick<Socket, 'cork' | 'uncork'>> })._socket
  let corked = false
  const uncork = (): void => {
    corked = false
    tcp?.uncork?.()
  }
  return () => {
    if (corked || typeof tcp?.cork !== 'function') return
    corked = true
    tcp.cork()
    process.nextTick(uncork)
  }
}

/**
 * Joins a client connection and an open (paused) upstream socket: messages, pings and close codes
 * both ways, with backpressure. Resolves once the upstream socket is closed.
 * @example
 * await forwardConnection(conn, upstream, { transform: undefined, maxBufferedBytes: 1 << 26, upstreamUrl: url, onError: console.error })
 */
export function forwardConnection(conn: MockConnection, upstream: WebSocket, options: ForwardOptions): Promise<void> {
  const client = conn.socket
  let upstreamError: Error | undefined
  let closeTimer: unknown
  const pendingPings: Buffer[] = []
  const drainTimers = new Set<unknown>()

  const upstreamClosed = new Promise<void>((resolve) => {
    upstream.once('close', (code, reasonBytes) => {
      if (closeTimer) realClock.clearTimeout(closeTimer)
      for (const t of drainTimers) realClock.clearTimeout(t)
      drainTimers.clear()
      pendingPings.length = 0
      onUpstreamClose(code, reasonBytes.toString())
      resolve()
    })
  })

  const failClient = (code: number, reason: string, error: Error): void => {
    options.onError(error)
    closeClient(code, reason)
  }

  const closeClient = (code: number, reason: string): void => {
    if (!conn.isOpen) return
    // A paused socket would never read the client's answering close frame.
    client.resume()
    conn.close(code, truncateCloseReason(reason))
  }

  const transform = (data: string | Uint8Array, direction: ProxyDirection): string | Uint8Array | null => {
    if (!options.transform) return data
    try {
      const out = options.transform(data, direction)
      return out === undefined ? data : out
    } catch (error) {
      const cause = toError(error)
      failClient(
        CLOSE_INTERNAL_ERROR,
        'mockforge-ws proxy: message transform failed',
        new MockWsError('WSM_PROXY', `Failed to transform a proxied message (${direction}): ${cause.message}. Fix the messageTransform function.`, { cause }),
      )
      return null
    }
  }

  // Backpressure: when the side we write to holds too much, stop reading the side that feeds it
  // until the writes drain. ws has no public drain event, so a short timer checks while paused.
  const relieve = (target: WsSocket, source: WsSocket, towards: 'client' | 'upstream'): void => {
    const buffered = target.bufferedAmount
    if (buffered > options.maxBufferedBytes) {
      const error = new MockWsError(
        'WSM_PROXY',
        `Failed to proxy connection #${conn.id}: more than ${options.maxBufferedBytes} bytes are waiting for the ${towards}. Read faster or raise maxBufferedBytes.`,
      )
      failClient(CLOSE_TRY_AGAIN_LATER, `proxy buffer limit exceeded (${towards} too slow)`, error)
      return
    }
    if (buffered <= PROXY_HIGH_WATER_BYTES || source.isPaused) return
    source.pause()
    const check = (): void => {
      drainTimers.delete(timer)
      if (target.readyState !== WebSocket.OPEN || source.readyState !== WebSocket.OPEN) return
      if (target.bufferedAmount <= PROXY_LOW_WATER_BYTES) source.resume()
      else {
        timer = realClock.setTimeout(check, PROXY_DRAIN_CHECK_MS)
        drainTimers.add(timer)
      }
    }
    let timer = realClock.setTimeout(check, PROXY_DRAIN_CHECK_MS)
    drainTimers.add(timer)
  }

  const batchToUpstream = batchWrites(upstream)
  const batchToClient = batchWrites(client)

  // True while the tap hands a client message to the connection (it was forwarded as bytes already).
  let tapped = false
  conn.onMessage((message) => {
    if (tapped || upstream.readyState !== WebSocket.OPEN) return
    const out = transform(message.data, 'in')
    if (out === null) return
    batchToUpstream()
    upstream.send(out, { binary: typeof out !== 'string' })
    relieve(upstream, client, 'upstream')
  })

  upstream.on('message', (raw, isBinary) => {
    if (!conn.isOpen) return
    // One Buffer per message: the upstream socket keeps ws's default binaryType, 'nodebuffer'.
    const bytes = raw as Buffer
    const out = transform(isBinary ? bytes : bytes.toString('utf8'), 'out')
    if (out === null) return
    batchToClient()
    conn.send(out)
    relieve(client, upstream, 'client')
  })

  // The mock already answered the client's ping itself (ws's auto-pong); the upstream still sees
  // it, and its pong to that ping is swallowed so the client does not get two.
  const onClientPing = (data: Buffer): void => {
    if (upstream.readyState !== WebSocket.OPEN) return
    pendingPings.push(data)
    if (pendingPings.length > MAX_PENDING_PINGS) pendingPings.shift()
    upstream.ping(data)
  }
  const onClientPong = (data: Buffer): void => {
    if (upstream.readyState === WebSocket.OPEN) upstream.pong(data)
  }
  client.on('ping', onClientPing)
  client.on('pong', onClientPong)
  conn.onClose(() => {
    client.off('ping', onClientPing)
    client.off('pong', onClientPong)
  })
  upstream.on('ping', (data) => {
    if (conn.isOpen) client.ping(data)
  })
  upstream.on('pong', (data) => {
    const at = pendingPings.findIndex((p) => p.equals(data))
    if (at >= 0) {
      pendingPings.splice(at, 1)
      return
    }
    if (conn.isOpen) client.pong(data)
  })

  upstream.on('error', (error) => {
    upstreamError ??= error
  })

  function onUpstreamClose(code: number, reason: string): void {
    if (!conn.isOpen) return
    if (upstreamError) {
      const proxyError = new ProxyError('error', `upstream error: ${upstreamError.message}`, options.upstreamUrl, { cause: upstreamError })
      failClient(CLOSE_BAD_GATEWAY, proxyError.closeReason, proxyError)
    } else if (code === CLOSE_ABNORMAL) {
      const proxyError = new ProxyError('dropped', 'upstream closed abnormally (1006, no close frame)', options.upstreamUrl)
      failClient(CLOSE_BAD_GATEWAY, proxyError.closeReason, proxyError)
    } else if (code === CLOSE_NO_STATUS) {
      closeClient(1000, '')
    } else {
      closeClient(code, reason)
    }
  }

  void conn.closed.then(({ code, reason }) => {
    if (upstream.readyState !== WebSocket.OPEN) return
    // A paused upstream would never read the answering close frame.
    upstream.resume()
    if (code === CLOSE_ABNORMAL) {
      upstream.terminate()
      return
    }
    if (isSendableCloseCode(code)) upstream.close(code, reason)
    else upstream.close()
    // Real timers whatever the mock's clock: a socket-level safety timer must fire under fake timers too.
    closeTimer = realClock.setTimeout(() => upstream.terminate(), PROXY_UPSTREAM_CLOSE_TIMEOUT_MS)
    ;(closeTimer as { unref?: () => void }).unref?.()
  })

  const fast = options.passThrough
  if (fast) {
    passThrough(
      {
        from: client,
        to: upstream,
        canForward: () => upstream.readyState === WebSocket.OPEN,
        admit: () => true,
        message: (payload, isBinary) => {
          // Through the transport's own 'message' listener: the connection records it as any client message.
          tapped = true
          try {
            ;(client as unknown as { emit(event: 'message', data: Buffer, isBinary: boolean): void }).emit('message', payload, isBinary)
          } finally {
            tapped = false
          }
        },
        written: () => relieve(upstream, client, 'upstream'),
      },
      {
        from: upstream,
        to: client,
        canForward: () => conn.isOpen,
        // The check Connection.send makes: past the mock's maxBufferedBytes, a failure and a 1008 close.
        admit: () => !conn.isOpen || !conn.overBuffered(),
        message: (payload, isBinary) => {
          if (!conn.isOpen) return
          // The payload is a view into the read: a copy (binary) or the text, kept as the connection keeps a received one.
          fast.sink.frame(conn, conn.elapsed(), isBinary ? Buffer.from(payload) : keepText(payload), payload.length)
        },
        written: () => relieve(client, upstream, 'client'),
      },
    )
  }
  upstream.resume()
  return upstreamClosed
}
