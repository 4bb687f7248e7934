// `ws.intercept(urlPattern)`: Node clients that open a production URL (wss://api.example.com/feed) reach the
// mock's real loopback socket instead, so the code under test needs no change. Two client families, two hooks:
// - the `ws` client builds its handshake with `http.request` / `https.request` (read from the module objects at
//   each connect), so those two functions are wrapped;
// - Node's global `WebSocket` and undici's (any copy) open through the process-wide undici dispatcher stored
//   under a global symbol, so that dispatcher is wrapped.
// Only requests that match a route change; everything else goes to the original functions untouched. Both hooks
// are installed with the first route and removed with the last.
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import { ORIGINAL_URL_HEADER } from '../constants.js'
import { MockWsError } from '../errors.js'
import { escapeRegExp } from '../scenario/json-subset.js'

/** A URL pattern: a string where `*` matches any run of characters, or a RegExp. */
export type InterceptPattern = string | RegExp

/** Where a matched socket goes. */
export interface InterceptTarget {
  host: string
  port: number
  /** The mock's path (`'*'`: keep the requested path). */
  path: string
}

interface Route {
  test: (url: string) => boolean
  target: InterceptTarget
}

const routes: Route[] = []

/**
 * The test a pattern stands for. A string without `?` ignores the URL's query, so `wss://api.example.com/feed`
 * matches `wss://api.example.com/feed?token=1`; `*` matches any run of characters.
 * @example
 * interceptMatcher('wss://api.example.com/*')('wss://api.example.com/feed') // true
 */
export function interceptMatcher(pattern: InterceptPattern): (url: string) => boolean {
  if (pattern instanceof RegExp) {
    return (url) => {
      pattern.lastIndex = 0
      return pattern.test(url)
    }
  }
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`)
  const withQuery = pattern.includes('?')
  return (url) => {
    const q = url.indexOf('?')
    return regex.test(withQuery || q === -1 ? url : url.slice(0, q))
  }
}

function find(url: string): Route | undefined {
  // The newest route wins, so a test can shadow a route of an outer scope.
  return routes.findLast((route) => route.test(url))
}

function targetPath(target: InterceptTarget, requested: string): string {
  const q = requested.indexOf('?')
  return target.path === '*' ? requested : `${target.path}${q === -1 ? '' : requested.slice(q)}`
}

// --- the `ws` client: http.request / https.request -------------------------------------------------------

type RequestFn = typeof http.request
let originalHttpRequest: RequestFn | undefined
let originalHttpsRequest: RequestFn | undefined

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}

function isUpgrade(headers: unknown): boolean {
  if (!headers || typeof headers !== 'object') return false
  return Object.entries(headers).some(([name, value]) => name.toLowerCase() === 'upgrade' && String(value).toLowerCase() === 'websocket')
}

function wrapRequest(secure: boolean, original: RequestFn): RequestFn {
  const wrapped = function (this: unknown, ...args: unknown[]) {
    const opts = args[0]
    // The `ws` client calls request(options) with host, port, path and Upgrade headers; nothing else is ours.
    if (opts && typeof opts === 'object' && !(opts instanceof URL) && args.length === 1 && isUpgrade((opts as http.RequestOptions).headers)) {
      const o = opts as http.RequestOptions & { createConnection?: unknown }
      const port = o.port !== undefined && String(o.port) !== String(secure ? 443 : 80) ? `:${o.port}` : ''
      const url = `${secure ? 'wss' : 'ws'}://${hostForUrl(String(o.host ?? o.hostname ?? 'localhost'))}${port}${o.path ?? '/'}`
      const route = find(url)
      if (route) {
        const { host, port: mockPort } = route.target
        const rewritten: http.RequestOptions = {
          ...o,
          host,
          port: mockPort,
          path: targetPath(route.target, o.path ?? '/'),
          headers: { ...o.headers, [ORIGINAL_URL_HEADER]: url },
          createConnection: () => net.connect({ host, port: mockPort }),
        }
        delete rewritten.hostname
        delete (rewritten as { servername?: string }).servername
        return (originalHttpRequest as RequestFn)(rewritten)
      }
    }
    return (original as (...a: unknown[]) => http.ClientRequest).apply(this, args)
  }
  return wrapped as RequestFn
}

// --- undici (Node's global WebSocket, and undici's own): the global dispatcher ------------------------------

const DISPATCHER = Symbol.for('undici.globalDispatcher.1')
const DISPATCHER_V2 = Symbol.for('undici.globalDispatcher.2')

interface Dispatcher {
  dispatch(opts: DispatchOptions, handler: unknown): boolean
  [key: string | symbol]: unknown
}
interface DispatchOptions {
  origin?: string | URL
  path: string
  headers?: Record<string, string | string[]> | string[] | null
  [key: string]: unknown
}

let originalDispatcher: Dispatcher | undefined
let installedDispatcher: Dispatcher | undefined

const globals = globalThis as unknown as Record<symbol, unknown>

function currentDispatcher(): Dispatcher | undefined {
  const existing = globals[DISPATCHER]
  if (existing) return existing as Dispatcher
  // Node creates its undici agent when fetch is first used; a data: URL loads it without any I/O.
  if (typeof fetch === 'function') fetch('data:,').catch(() => undefined)
  return globals[DISPATCHER] as Dispatcher | undefined
}

function setDispatcher(value: Dispatcher): void {
  globals[DISPATCHER] = value
  if (DISPATCHER_V2 in globalThis) globals[DISPATCHER_V2] = value
}

function wrapDispatcher(original: Dispatcher): Dispatcher {
  const wrapper: Dispatcher = {
    dispatch(opts: DispatchOptions, handler: unknown): boolean {
      if (opts.origin !== undefined && opts.upgrade === 'websocket') {
        const origin = new URL(String(opts.origin))
        const scheme = origin.protocol === 'https:' ? 'wss:' : 'ws:'
        const url = `${scheme}//${origin.host}${opts.path}`
        const route = find(url)
        if (route) {
          const { host, port } = route.target
          const headers = Array.isArray(opts.headers) ? [...opts.headers, ORIGINAL_URL_HEADER, url] : { ...opts.headers, [ORIGINAL_URL_HEADER]: url }
          return original.dispatch({ ...opts, origin: `http://${hostForUrl(host)}:${port}`, path: targetPath(route.target, opts.path), headers }, handler)
        }
      }
      return original.dispatch(opts, handler)
    },
  }
  // Everything else (close, destroy, events) is the original agent's.
  return new Proxy(wrapper, {
    get(target, key) {
      if (key === 'dispatch') return target.dispatch
      const value = original[key]
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(original) : value
    },
  })
}

// --- install / remove -----------------------------------------------------------------------------------

function install(): void {
  originalHttpRequest = http.request
  originalHttpsRequest = https.request
  http.request = wrapRequest(false, originalHttpRequest)
  https.request = wrapRequest(true, originalHttpsRequest)
  const dispatcher = currentDispatcher()
  if (dispatcher) {
    originalDispatcher = dispatcher
    installedDispatcher = wrapDispatcher(dispatcher)
    setDispatcher(installedDispatcher)
  }
}

function uninstall(): void {
  if (originalHttpRequest) http.request = originalHttpRequest
  if (originalHttpsRequest) https.request = originalHttpsRequest
  originalHttpRequest = undefined
  originalHttpsRequest = undefined
  // Put the agent back only if nobody replaced ours meanwhile (a test that set its own dispatcher keeps it).
  if (originalDispatcher && globals[DISPATCHER] === installedDispatcher) setDispatcher(originalDispatcher)
  originalDispatcher = undefined
  installedDispatcher = undefined
}

/**
 * Sends Node WebSocket clients (the `ws` client, Node's global `WebSocket`, undici's) that open a URL matching
 * `pattern` to `target` instead; returns the function that removes the route (safe to call twice).
 * `MockWs#intercept()` is the usual way in.
 * @example
 * const undo = addInterceptRoute('wss://api.example.com/*', { host: '127.0.0.1', port: ws.port, path: ws.path })
 */
export function addInterceptRoute(pattern: InterceptPattern, target: InterceptTarget): () => void {
  if (typeof pattern !== 'string' && !(pattern instanceof RegExp)) {
    throw new MockWsError('WSM_CONFIG', `Failed to intercept: the URL pattern must be a string or a RegExp (got ${typeof pattern}).`)
  }
  if (typeof pattern === 'string' && !/^wss?:\/\//.test(pattern)) {
    throw new MockWsError('WSM_CONFIG', `Failed to intercept "${pattern}": the pattern must start with ws:// or wss:// (use * for any part, e.g. "wss://api.example.com/*").`)
  }
  const route: Route = { test: interceptMatcher(pattern), target }
  if (routes.length === 0) install()
  routes.push(route)
  return () => {
    const at = routes.indexOf(route)
    if (at === -1) return
    routes.splice(at, 1)
    if (routes.length === 0) uninstall()
  }
}

/**
 * Number of intercept routes in place (0 once every mock that intercepted has closed).
 * @example
 * expect(activeInterceptCount()).toBe(0)
 */
export function activeInterceptCount(): number {
  return routes.length
}
