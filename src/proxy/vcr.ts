import { existsSync, unlinkSync } from 'node:fs'
import type { BehaviourPlugin } from '../session/plugin.js'
import { envFlag } from '../server/env.js'
import { scriptHandler, type StartContext } from '../session/play.js'
import type { ConnectionHandler } from '../session/session.js'
import type { WsTransport } from '../server/ws-transport.js'
import { loadReplay } from '../replay/load.js'
import { MockWsError } from '../errors.js'
import type { ProxyOptions } from './plugin.js'
import { RECORD_CONNECTION_PLACEHOLDER, type RecordOptions } from './recorder.js'
import { resolveRecordTransform, type RecordTransformOptions } from '../replay/record-transform.js'

/** Environment variable that makes every `vcr()` (and `routeFromReplay()`) record again: `1`/`true`. */
export const VCR_UPDATE_ENV = 'MOCKFORGE_WS_UPDATE'

/** Close code of a connection that has no recording to replay (more connections than were recorded). */
const CLOSE_NO_RECORDING = 1011

/**
 * Options of `mockWs().vcr(file, opts)`: the upstream to record from, when to record again, and the record options.
 * @example
 * await mockWs().vcr('test/fixtures/feed.jsonl', { upstream: 'ws://127.0.0.1:8080/feed', ignore: ['$.ts'] })
 */
export interface VcrOptions extends RecordTransformOptions {
  /** `ws://` or `wss://` server the traffic is recorded from when there is no recording yet. */
  upstream: string
  /** Record again even when the file exists (also: `MOCKFORGE_WS_UPDATE=1`). */
  update?: boolean
  /** Proxy options used while recording (headers, path, rules, …). */
  proxy?: Omit<ProxyOptions, 'record'>
  /** Called after each recording is written. */
  onWrite?: RecordOptions['onWrite']
  /** Called when a recording cannot be written (default: a process warning). */
  onError?: RecordOptions['onError']
}

/** What `vcr()` does on this run. */
export type VcrMode = 'replay' | 'record'

/**
 * The file of connection `id` (the file itself when it has no `{connection}`).
 * @example
 * connectionFile('rec/session-{connection}.jsonl', 2) // 'rec/session-2.jsonl'
 */
export function connectionFile(file: string, id: number): string {
  return file.replaceAll(RECORD_CONNECTION_PLACEHOLDER, String(id))
}

/**
 * Decides whether `vcr(file, opts)` replays or records: it records when the file (the first connection's,
 * with `{connection}` in the name) does not exist, when `update` is true, or when `MOCKFORGE_WS_UPDATE=1`.
 * @example
 * vcrMode('test/fixtures/feed.jsonl', { upstream: 'ws://127.0.0.1:8080/feed' }) // 'replay' once the file is there
 */
export function vcrMode(file: string, opts: { update?: boolean } = {}, env: NodeJS.ProcessEnv = process.env): VcrMode {
  if (opts.update === true || envFlag(VCR_UPDATE_ENV, env) === true) return 'record'
  return existsSync(connectionFile(file, 1)) ? 'replay' : 'record'
}

/**
 * Throws one error naming every problem with `vcr()`'s arguments (file, upstream, update, record options).
 * @example
 * checkVcrOptions('feed.jsonl', { upstream: 'ws://127.0.0.1:8080/feed' })
 */
export function checkVcrOptions(file: unknown, opts: VcrOptions | undefined, what = 'vcr()'): void {
  const problems: string[] = []
  if (typeof file !== 'string' || file === '') problems.push(`file must be a path, got ${JSON.stringify(file)}`)
  if (!opts || typeof opts.upstream !== 'string' || opts.upstream === '') problems.push(`upstream must be the ws:// or wss:// URL to record from, got ${JSON.stringify(opts?.upstream)}`)
  if (opts?.update !== undefined && typeof opts.update !== 'boolean') problems.push(`update must be true or false, got ${JSON.stringify(opts.update)}`)
  if (problems.length > 0) throw new MockWsError('WSM_CONFIG', `Failed to configure ${what}: ${problems.join('; ')}. See docs/proxy-and-record.md (VCR workflow).`)
  resolveRecordTransform(opts ?? {}, what)
}

/**
 * Removes the per-connection files of an earlier recording, so that re-recording fewer connections
 * leaves none of the old ones behind to be replayed.
 * @example
 * removeOldRecordings('rec/session-{connection}.jsonl')
 */
export function removeOldRecordings(file: string): void {
  if (!file.includes(RECORD_CONNECTION_PLACEHOLDER)) return
  for (let id = 1; existsSync(connectionFile(file, id)); id++) unlinkSync(connectionFile(file, id))
}

/**
 * The replay side of `vcr()` for `{connection}` files: connection N plays file N; a connection beyond
 * the recorded ones is closed with 1011 and counted as a failure.
 * @example
 * mockWs().use(perConnectionReplay('recordings/session-{connection}.jsonl'))
 */
export function perConnectionReplay(file: string): BehaviourPlugin {
  return {
    async handler(ctx: StartContext): Promise<ConnectionHandler<WsTransport>> {
      const expandTemplates = ctx.options.expandTemplates ?? true
      const handlers: ConnectionHandler<WsTransport>[] = []
      for (let id = 1; existsSync(connectionFile(file, id)); id++) {
        const script = await loadReplay(connectionFile(file, id), { expandTemplates, ...(ctx.options.seed !== undefined ? { seed: ctx.options.seed } : {}) })
        handlers.push(scriptHandler({ ...ctx, script }))
      }
      return (conn, engine) => {
        const handler = handlers[conn.id - 1]
        if (handler) return handler(conn, engine)
        const reason = `no recording for connection #${conn.id}`
        engine.addFailure({
          kind: 'unexpected-message',
          connection: conn.id,
          step: 0,
          expected: `at most ${handlers.length} connection${handlers.length === 1 ? '' : 's'} (${connectionFile(file, handlers.length)})`,
          actual: `connection #${conn.id}`,
          ts: 0,
          message: `${reason}: ${file} holds ${handlers.length}; record again with ${VCR_UPDATE_ENV}=1`,
        })
        conn.close(CLOSE_NO_RECORDING, reason)
      }
    },
  }
}
