/** Environment variables read by the CLI, `serveFromEnv()` and the routers. */
export const ENV = {
  replayFile: 'MOCKFORGE_WS_REPLAY_FILE',
  templateExpand: 'MOCKFORGE_RESPONSE_TEMPLATE_EXPAND',
  port: 'MOCKFORGE_WS_PORT',
  host: 'MOCKFORGE_WS_HOST',
  proxyUpstream: 'MOCKFORGE_WS_PROXY_UPSTREAM_URL',
} as const

/** Reads a boolean flag variable: `1`/`true`/`yes` enable, `0`/`false`/`no` disable, anything else is unset. */
export function envFlag(name: string, env: NodeJS.ProcessEnv = process.env): boolean | undefined {
  const value = env[name]?.trim().toLowerCase()
  if (value === undefined || value === '') return undefined
  if (value === '1' || value === 'true' || value === 'yes' || value === 'on') return true
  if (value === '0' || value === 'false' || value === 'no' || value === 'off') return false
  return undefined
}

/** Reads a non-empty string variable. */
export function envString(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name]?.trim()
  return value ? value : undefined
}
