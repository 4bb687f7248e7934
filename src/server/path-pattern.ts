/** A `{name}` segment of a path pattern. */
const PARAMETER = /\{[^{}/]+\}/g

/**
 * True when `path` has `{name}` parameters (a route pattern such as `/rooms/{room}`).
 * @example
 * isPathPattern('/v1/marketdata/{symbol}') // true
 */
export function isPathPattern(path: string): boolean {
  PARAMETER.lastIndex = 0
  return PARAMETER.test(path)
}

/**
 * Builds the test for the paths a mock serves: `'*'` takes any path, a pattern's `{name}` takes any one
 * non-empty segment part (no `/`), anything else must be equal.
 * @example
 * pathMatcher('/rooms/{room}')('/rooms/lobby') // true
 */
export function pathMatcher(path: string): (pathname: string) => boolean {
  if (path === '*') return () => true
  if (!isPathPattern(path)) return (pathname) => pathname === path
  const source = path
    .split(PARAMETER)
    .map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]+')
  const regex = new RegExp(`^${source}$`)
  return (pathname) => regex.test(pathname)
}

/**
 * A concrete path that a pattern accepts, each `{name}` filled with its name (what `ws.url` shows).
 * @example
 * examplePath('/v1/marketdata/{symbol}') // '/v1/marketdata/symbol'
 */
export function examplePath(path: string): string {
  return path.replace(PARAMETER, (param) => param.slice(1, -1))
}
