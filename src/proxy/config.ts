import type { IncomingHttpHeaders } from 'node:http'
import { DEFAULT_MAX_PAYLOAD } from '../constants.js'
import { MockWsError } from '../errors.js'

/** Time the upstream has to accept the TCP connection and answer the WebSocket handshake. */
export const PROXY_CONNECT_TIMEOUT_MS = 10_000
/**
 * Bytes waiting to be written to one side above which the other side's socket is paused
 * (reading stops, so TCP flow control pushes back on the sender).
 */
export const PROXY_HIGH_WATER_BYTES = 1024 * 1024
/** Bytes waiting to be written below which a paused side is resumed. */
export const PROXY_LOW_WATER_BYTES = 256 * 1024
/**
 * Hard bound on bytes waiting to be written to one side (messages already parsed when the other
 * side was paused, or one huge message); beyond it the client is closed with 1013.
 */
export const PROXY_MAX_BUFFERED_BYTES = 64 * 1024 * 1024
/** How often a paused side checks whether the slow side has drained. */
export const PROXY_DRAIN_CHECK_MS = 5
/** Time an upstream is given to answer our close frame before it is terminated. */
export const PROXY_UPSTREAM_CLOSE_TIMEOUT_MS = 1000
/**
 * Client request headers passed to the upstream when `headers.forward` is not set. Credentials
 * (`authorization`, `cookie`) are never in it: they are passed on only when configured.
 */
export const DEFAULT_FORWARD_HEADERS: readonly string[] = ['origin', 'user-agent', 'accept-language', 'x-request-id', 'traceparent', 'tracestate']

/** Headers the proxy never takes from the client: the upstream's own host, and the handshake that `ws` writes itself. */
const NEVER_FORWARDED = new Set([
  'host',
  'connection',
  'upgrade',
  'content-length',
  'transfer-encoding',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
])

/** Which way a proxied message travels: `in` client → upstream, `out` upstream → client (as in replay files). */
export type ProxyDirection = 'in' | 'out'

/**
 * Rewrites or drops a proxied message: return a string (text frame), bytes (binary frame),
 * `null` to drop it, or `undefined` to pass it on unchanged.
 * @example
 * const redact: MessageTransform = (m, dir) => (dir === 'out' && typeof m === 'string' ? m.replace(/"token":"[^"]*"/, '"token":"x"') : undefined)
 */
export type MessageTransform = (message: string | Uint8Array, direction: ProxyDirection) => string | Uint8Array | null | undefined

/**
 * A per-path choice between an upstream and the mock's own (local) behaviour. `pattern` is an
 * exact path or one with `*` segments (each matches exactly one non-empty segment).
 * @example
 * const rules: ProxyRule[] = [{ pattern: '/live/*', upstreamUrl: 'wss://feed.example/ws' }, { pattern: '/local', local: true }]
 */
export interface ProxyRule {
  pattern: string
  /** Upstream for matching paths (default: the config's `upstreamUrl`). */
  upstreamUrl?: string
  /** Serve matching paths with the mock's own script (replay, steps, echo) instead of proxying. */
  local?: boolean
}

/**
 * Which request headers reach the upstream.
 * @example
 * const headers: ProxyHeaders = { forward: ['origin', 'cookie'], set: { authorization: 'Bearer test-token' } }
 */
export interface ProxyHeaders {
  /** Client headers passed on, by name, any case (default `DEFAULT_FORWARD_HEADERS`). `host` and the handshake headers are refused. */
  forward?: readonly string[]
  /** Headers set on every upstream request (e.g. a fixed `authorization`), overriding forwarded ones. */
  set?: Readonly<Record<string, string>>
}

/**
 * Configuration of a `WsProxyHandler` (names follow MockForge's `WsProxyConfig`).
 * @example
 * new WsProxyHandler({ upstreamUrl: 'ws://127.0.0.1:8080/ws', shouldProxy: true, rules: [{ pattern: '/mock', local: true }] })
 */
export interface WsProxyConfig {
  /** `ws://` or `wss://` URL of the upstream; the only host the proxy ever connects to (besides rules' own URLs). */
  upstreamUrl: string
  /** Proxy paths no rule matches (default true); false serves them locally. */
  shouldProxy?: boolean
  /** Rewrites or drops messages either way. */
  messageTransform?: MessageTransform
  /** Per-path choices, first match wins. */
  rules?: readonly ProxyRule[]
  headers?: ProxyHeaders
  /** `fixed` (default): the upstream URL's path as configured; `append`: the client's path is appended to it. */
  path?: 'fixed' | 'append'
  /** `append` (default): the client's query parameters are added to the upstream URL's; `fixed`: the upstream URL's query only. */
  query?: 'append' | 'fixed'
  /** ms the upstream has to complete its handshake (default `PROXY_CONNECT_TIMEOUT_MS`). */
  connectTimeoutMs?: number
  /** Largest frame accepted from the upstream, bytes (default `DEFAULT_MAX_PAYLOAD`). */
  maxPayload?: number
  /** Bound on bytes queued for one side before the client is closed with 1013 (default `PROXY_MAX_BUFFERED_BYTES`). */
  maxBufferedBytes?: number
}

/** A validated config with every default filled in. */
export interface ResolvedProxyConfig {
  upstream: URL
  shouldProxy: boolean
  messageTransform: MessageTransform | undefined
  rules: readonly ResolvedRule[]
  forward: ReadonlySet<string>
  set: Readonly<Record<string, string>>
  path: 'fixed' | 'append'
  query: 'append' | 'fixed'
  connectTimeoutMs: number
  maxPayload: number
  maxBufferedBytes: number
}

interface ResolvedRule {
  segments: readonly string[]
  upstream: URL | undefined
  local: boolean
}

/** Where one connection goes: to an upstream URL, or to the mock's own behaviour. */
export type ProxyTarget = { kind: 'upstream'; url: URL } | { kind: 'local' }

function parseUpstream(value: unknown, where: string, problems: string[]): URL | undefined {
  if (typeof value !== 'string' || value === '') {
    problems.push(`${where} must be a ws:// or wss:// URL, got ${JSON.stringify(value)}`)
    return undefined
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    problems.push(`${where} ${JSON.stringify(value)} is not a URL`)
    return undefined
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    problems.push(`${where} ${JSON.stringify(value)} must use ws:// or wss://`)
    return undefined
  }
  if (url.username || url.password) problems.push(`${where} must not carry credentials; use headers.set`)
  url.hash = ''
  return url
}

function positive(value: unknown, name: string, problems: string[]): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) {
    problems.push(`${name} must be a positive number, got ${JSON.stringify(value)}`)
  }
}

/**
 * Validates a proxy config, reporting every problem at once, and fills in the defaults.
 * @example
 * resolveProxyConfig({ upstreamUrl: 'ws://127.0.0.1:8080/ws' }).connectTimeoutMs // 10000
 */
export function resolveProxyConfig(config: WsProxyConfig): ResolvedProxyConfig {
  const problems: string[] = []
  const upstream = parseUpstream(config.upstreamUrl, 'upstreamUrl', problems)
  const rules: ResolvedRule[] = []
  for (const [i, rule] of (config.rules ?? []).entries()) {
    const where = `rules[${i}]`
    if (typeof rule.pattern !== 'string' || !rule.pattern.startsWith('/')) {
      problems.push(`${where}.pattern must be a path starting with "/", got ${JSON.stringify(rule.pattern)}`)
      continue
    }
    if (rule.local && rule.upstreamUrl !== undefined) problems.push(`${where} sets both local and upstreamUrl; choose one`)
    const ruleUpstream = rule.upstreamUrl !== undefined ? parseUpstream(rule.upstreamUrl, `${where}.upstreamUrl`, problems) : undefined
    rules.push({ segments: rule.pattern.split('/').slice(1), upstream: ruleUpstream, local: rule.local === true })
  }
  const forward = new Set<string>()
  for (const name of config.headers?.forward ?? DEFAULT_FORWARD_HEADERS) {
    const lower = name.toLowerCase()
    if (NEVER_FORWARDED.has(lower)) problems.push(`headers.forward lists "${name}", which is never forwarded (the upstream gets its own)`)
    else forward.add(lower)
  }
  const set: Record<string, string> = {}
  for (const [name, value] of Object.entries(config.headers?.set ?? {})) {
    const lower = name.toLowerCase()
    if (NEVER_FORWARDED.has(lower)) problems.push(`headers.set sets "${name}", which the proxy always writes itself`)
    else set[lower] = value
  }
  if (config.path !== undefined && config.path !== 'fixed' && config.path !== 'append') problems.push(`path must be "fixed" or "append", got ${JSON.stringify(config.path)}`)
  if (config.query !== undefined && config.query !== 'append' && config.query !== 'fixed') problems.push(`query must be "append" or "fixed", got ${JSON.stringify(config.query)}`)
  if (config.messageTransform !== undefined && typeof config.messageTransform !== 'function') problems.push('messageTransform must be a function')
  positive(config.connectTimeoutMs, 'connectTimeoutMs', problems)
  positive(config.maxPayload, 'maxPayload', problems)
  positive(config.maxBufferedBytes, 'maxBufferedBytes', problems)
  if (problems.length > 0 || !upstream) {
    throw new MockWsError('WSM_CONFIG', `Failed to configure proxy: ${problems.join('; ')}. See docs/proxy-and-record.md for the options.`)
  }
  return {
    upstream,
    shouldProxy: config.shouldProxy ?? true,
    messageTransform: config.messageTransform,
    rules,
    forward,
    set,
    path: config.path ?? 'fixed',
    query: config.query ?? 'append',
    connectTimeoutMs: config.connectTimeoutMs ?? PROXY_CONNECT_TIMEOUT_MS,
    maxPayload: config.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    maxBufferedBytes: config.maxBufferedBytes ?? PROXY_MAX_BUFFERED_BYTES,
  }
}

function matches(segments: readonly string[], path: readonly string[]): boolean {
  if (segments.length !== path.length) return false
  return segments.every((s, i) => (s === '*' ? (path[i] ?? '') !== '' : s === path[i]))
}

/**
 * Decides where a request goes and builds the upstream URL. Only the path and query can come from
 * the client; the scheme, host and port always come from the config, so the proxy is never open.
 * @example
 * proxyTarget(resolveProxyConfig({ upstreamUrl: 'ws://up:1/feed' }), '/ws?room=2') // upstream ws://up:1/feed?room=2
 */
export function proxyTarget(config: ResolvedProxyConfig, requestUrl: string): ProxyTarget {
  // A base is needed for origin-form URLs; an absolute-form request URL only contributes its path and query.
  const request = new URL(requestUrl, 'http://mock.invalid')
  const pathSegments = request.pathname.split('/').slice(1)
  const rule = config.rules.find((r) => matches(r.segments, pathSegments))
  if (rule?.local || (!rule && !config.shouldProxy)) return { kind: 'local' }
  const base = rule?.upstream ?? config.upstream
  const url = new URL(base.href)
  if (config.path === 'append') url.pathname = url.pathname.replace(/\/+$/, '') + request.pathname
  if (config.query === 'append') {
    for (const [key, value] of request.searchParams) url.searchParams.append(key, value)
  }
  if (url.host !== base.host || url.protocol !== base.protocol) {
    // Unreachable by construction; kept so that a future change cannot turn this into an open proxy.
    throw new MockWsError('WSM_PROXY', `Failed to build the upstream URL: ${url.href} left ${base.host}. Report this as a bug.`)
  }
  return { kind: 'upstream', url }
}

/** The headers sent to the upstream for one client request. */
export function upstreamHeaders(config: ResolvedProxyConfig, incoming: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of config.forward) {
    const value = incoming[name]
    if (value === undefined) continue
    out[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return { ...out, ...config.set }
}
