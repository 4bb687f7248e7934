import type { BehaviourPlugin } from '../session/plugin.js'
import { scriptHandler } from '../session/play.js'
import type { UpgradeGate } from '../server/upgrade.js'
import { resolveProxyConfig, type MessageTransform, type WsProxyConfig } from './config.js'
import type { WsProxyHandler } from './proxy-handler.js'
import type { RecordOptions } from './recorder.js'

/**
 * Options of `mockWs().proxy(url, opts)`: the `WsProxyConfig` fields, with `transform` for
 * `messageTransform` and `record` to keep or write the traffic.
 * @example
 * await mockWs().proxy('ws://127.0.0.1:8080/feed', { transform: (m) => m, record: { file: 'feed.jsonl' } })
 */
export interface ProxyOptions extends Omit<WsProxyConfig, 'upstreamUrl' | 'messageTransform'> {
  /** Rewrites (return a string or bytes) or drops (return `null`) a message in either direction. */
  transform?: MessageTransform
  /**
   * `true`: the traffic is the mock's recording (`ws.toReplay()`, `ws.toJSONL({ connection })`), as
   * it always is; `{ file }`: also written as JSON Lines when each connection closes.
   */
  record?: boolean | RecordOptions
}

/**
 * The behaviour behind `mockWs().proxy(url, opts)`: a proxy handler whose local paths play the
 * mock's own script, and whose upstreams are closed before the mock's server stops. The options are
 * checked now; the handler (and the forwarding code) loads when the mock starts.
 * @example
 * const { plugin, gate } = proxyPlugin('ws://127.0.0.1:8080/ws', {})
 */
export function proxyPlugin(upstreamUrl: string, options: ProxyOptions = {}): { plugin: BehaviourPlugin; gate: UpgradeGate } {
  const { transform, record: _record, ...rest } = options
  const config: WsProxyConfig = { ...rest, upstreamUrl, ...(transform ? { messageTransform: transform } : {}) }
  resolveProxyConfig(config)
  let handler: WsProxyHandler // set by prepare(), which runs before anything else of the plugin
  const plugin: BehaviourPlugin = {
    async prepare() {
      handler = new (await import('./proxy-handler.js')).WsProxyHandler(config)
      return {}
    },
    handler: (ctx) => handler.connectionHandler(scriptHandler(ctx)),
    attach(mock) {
      mock.onClose(async () => {
        // Client connections close first so that their close codes reach the upstreams.
        await mock.closeConnections()
        await handler.close()
      })
    },
  }
  return { plugin, gate: (request, session) => handler.gate(request, session) }
}
