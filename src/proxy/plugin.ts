import type { BehaviourPlugin } from '../session/plugin.js'
import { scriptHandler } from '../session/play.js'
import type { MessageTransform, WsProxyConfig } from './config.js'
import { WsProxyHandler } from './proxy-handler.js'
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
 * mock's own script, and whose upstreams are closed before the mock's server stops.
 * @example
 * const { plugin, handler } = proxyPlugin('ws://127.0.0.1:8080/ws', {})
 */
export function proxyPlugin(upstreamUrl: string, options: ProxyOptions = {}): { plugin: BehaviourPlugin; handler: WsProxyHandler } {
  const { transform, record: _record, ...config } = options
  const handler = new WsProxyHandler({ ...config, upstreamUrl, ...(transform ? { messageTransform: transform } : {}) })
  const plugin: BehaviourPlugin = {
    // Latency and message drops act on frames in flight: with either, every frame takes the frame-level path.
    handler: (ctx) => handler.connectionHandler(scriptHandler(ctx), () => ctx.framesInFlight === false),
    attach(mock) {
      mock.onClose(async () => {
        // Client connections close first so that their close codes reach the upstreams.
        await mock.closeConnections()
        await handler.close()
      })
    },
  }
  return { plugin, handler }
}
