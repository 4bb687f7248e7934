import WebSocket from 'ws'
import { ProxyError } from '../errors.js'
import type { UpstreamFailureKind } from '../errors.js'
import { toError } from '../session/to-error.js'
import { realClock } from '../template/clock.js'

/** Options of one upstream connection attempt. */
export interface ConnectUpstreamOptions {
  url: URL
  protocols: string[]
  headers: Record<string, string>
  timeoutMs: number
  maxPayload: number
  /** Aborts the attempt (the proxy is closing). */
  signal?: AbortSignal
}

/** An upstream that completed its handshake: paused (no events read) until the proxy resumes it. */
export interface OpenUpstream {
  ok: true
  socket: WebSocket
}

/** An upstream that could not be opened. */
export interface FailedUpstream {
  ok: false
  error: ProxyError
}

function describeHost(url: URL): string {
  return url.port ? `${url.hostname}:${url.port}` : url.hostname
}

/** Maps a connection error to the kind and the reason the client reads. */
export function classifyUpstreamError(error: Error, url: URL): { kind: UpstreamFailureKind; reason: string } {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ECONNREFUSED') return { kind: 'refused', reason: `upstream refused the connection (${describeHost(url)})` }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL') {
    return { kind: 'dns', reason: `upstream host not found (${url.hostname})` }
  }
  const status = /^Unexpected server response: (\d{3})$/.exec(error.message)?.[1]
  if (status) return { kind: 'rejected', reason: `upstream rejected the handshake (HTTP ${status})` }
  if (code) return { kind: 'error', reason: `upstream connection failed (${code})` }
  return { kind: 'rejected', reason: `upstream handshake failed: ${error.message}` }
}

/**
 * Opens the upstream WebSocket and resolves once it is open (paused) or has failed; never rejects
 * and never retries. A hang past `timeoutMs` is a failure.
 * @example
 * const up = await connectUpstream({ url: new URL('ws://127.0.0.1:8080'), protocols: [], headers: {}, timeoutMs: 2000, maxPayload: 1 << 20 })
 */
export function connectUpstream(options: ConnectUpstreamOptions): Promise<OpenUpstream | FailedUpstream> {
  const { url } = options
  return new Promise((resolve) => {
    let failure: ProxyError | undefined
    const fail = (kind: UpstreamFailureKind, reason: string, cause?: unknown): void => {
      failure ??= new ProxyError(kind, reason, url.href, cause === undefined ? undefined : { cause })
    }
    let socket: WebSocket
    try {
      socket = new WebSocket(url, options.protocols, {
        headers: options.headers,
        // The client's pings are answered by the mock; the upstream's pings are forwarded so the client answers them.
        autoPong: false,
        perMessageDeflate: false,
        followRedirects: false,
        maxPayload: options.maxPayload,
      })
    } catch (error) {
      const cause = toError(error)
      resolve({ ok: false, error: new ProxyError('error', `upstream connection failed (${cause.message})`, url.href, { cause }) })
      return
    }
    const timer = realClock.setTimeout(() => {
      fail('timeout', `upstream did not complete the handshake within ${options.timeoutMs} ms`)
      socket.terminate()
    }, options.timeoutMs)
    const onAbort = (): void => {
      fail('error', 'proxy closed before the upstream answered')
      socket.terminate()
    }
    options.signal?.addEventListener('abort', onAbort, { once: true })
    if (options.signal?.aborted) onAbort()
    let opened = false
    socket.on('error', (error) => {
      // After the handshake, errors belong to the forwarding code, which listens too.
      if (opened) return
      const { kind, reason } = classifyUpstreamError(error, url)
      fail(kind, reason, error)
    })
    socket.once('open', () => {
      opened = true
      realClock.clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      socket.pause()
      resolve({ ok: true, socket })
    })
    socket.once('close', () => {
      realClock.clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      if (opened) return
      fail('dropped', 'upstream closed during the handshake')
      if (failure) resolve({ ok: false, error: failure })
    })
  })
}
