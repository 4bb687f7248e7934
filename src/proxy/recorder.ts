import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { toJSONL } from '../replay/serialize.js'
import type { BehaviourPlugin, PluginHost } from '../session/plugin.js'
import type { EngineObserver } from '../server/observer.js'
import { pickRecordTransform, resolveRecordTransform, type RecordTransformOptions } from '../replay/record-transform.js'

/** Placeholder in `record({ file })` replaced by the connection id, so every connection gets its own file. */
export const RECORD_CONNECTION_PLACEHOLDER = '{connection}'

/** One recording written to disk. */
export interface RecordedFile {
  /** Connection id. */
  connection: number
  file: string
  /** Replay entries written. */
  entries: number
}

/**
 * Options of `mockWs().record(opts)` and `proxy(url, { record })`.
 * @example
 * await mockWs().proxy('ws://127.0.0.1:8080/ws', { record: { file: 'recordings/session-{connection}.jsonl' } })
 */
export interface RecordOptions extends RecordTransformOptions {
  /**
   * JSON Lines file written when a connection closes. With `{connection}` in the name every
   * connection gets its own file; without it, only the first connection is written.
   * Unset: nothing is written, `ws.toJSONL({ connection })` holds the recording.
   */
  file?: string
  /** Called after each file is written. */
  onWrite?: (recorded: RecordedFile) => void
  /** Called when a file cannot be written (default: a process warning). */
  onError?: (error: Error, connection: number) => void
}

/**
 * The behaviour behind `record()`: writes each connection's transcript as replay JSON Lines when
 * it closes; the mock's `close()` resolves only after every file is written.
 * @example
 * const { plugin, observer } = recorder({ file: 'out.jsonl' })
 */
export function recorder(options: RecordOptions): { plugin: BehaviourPlugin; observer: EngineObserver } {
  const file = options.file
  // Validated now, so that a bad option fails record() rather than the first write.
  const transform = pickRecordTransform(options)
  resolveRecordTransform(transform, 'record()')
  let mock: PluginHost | undefined
  let first: number | undefined
  const writes = new Set<Promise<void>>()

  const write = async (connection: number, path: string): Promise<void> => {
    if (!mock) return
    try {
      const entries = mock.toReplay({ connection, ...transform })
      await mkdir(dirname(path), { recursive: true })
      await writeFile(path, toJSONL(entries))
      options.onWrite?.({ connection, file: path, entries: entries.length })
    } catch (error) {
      const cause = error instanceof Error ? error : new Error(String(error))
      if (options.onError) options.onError(cause, connection)
      else process.emitWarning(`mockforge-ws: failed to write recording of connection #${connection} to ${path}: ${cause.message}`)
    }
  }

  const observer: EngineObserver = {
    connectionOpened(conn) {
      first ??= conn.id
    },
    connectionClosed(conn) {
      if (file === undefined) return
      const perConnection = file.includes(RECORD_CONNECTION_PLACEHOLDER)
      if (!perConnection && conn.id !== first) return
      const path = perConnection ? file.replaceAll(RECORD_CONNECTION_PLACEHOLDER, String(conn.id)) : file
      const pending = write(conn.id, path)
      writes.add(pending)
      void pending.finally(() => writes.delete(pending))
    },
  }

  const plugin: BehaviourPlugin = {
    attach(started) {
      mock = started
      started.onClose(async () => {
        // Connections close (and their files are queued) while the mock closes them.
        await started.closeConnections()
        await Promise.all([...writes])
      })
    },
  }
  return { plugin, observer }
}
