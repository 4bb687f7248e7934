import { WebSocket as UndiciWebSocket } from 'undici'
import WebSocket from 'ws'
import { MessageQueue } from '../../src/server/message-queue.js'

/** A received frame as a test sees it. */
export interface ClientFrame {
  data: string | Buffer
  isBinary: boolean
}

/** A real `ws` client with an awaitable inbox, for tests. */
export interface TestClient {
  socket: WebSocket
  /** Next message (text as string, binary as Buffer). */
  next(timeout?: number): Promise<string | Buffer>
  /** Next message as a frame with its type. */
  nextFrame(timeout?: number): Promise<ClientFrame>
  /** Every message received so far. */
  received: (string | Buffer)[]
  /** Arrival time (performance.now()) of every message. */
  arrivals: number[]
  send(data: string | Buffer | Uint8Array): void
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>
  /** Closes (1000) and waits for the close to complete. */
  close(): Promise<void>
}

/** Connects a real `ws` client; resolves once open. */
export async function connectClient(url: string, protocols?: string | string[], options?: WebSocket.ClientOptions): Promise<TestClient> {
  const socket = new WebSocket(url, protocols, options)
  const queue = new MessageQueue<ClientFrame>()
  const received: (string | Buffer)[] = []
  const arrivals: number[] = []
  socket.on('message', (raw, isBinary) => {
    const data = isBinary ? (raw as Buffer) : raw.toString()
    received.push(data)
    arrivals.push(performance.now())
    queue.push({ data, isBinary })
  })
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => {
      queue.close()
      resolve({ code, reason: reason.toString() })
    })
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
  })
  return {
    socket,
    next: async (timeout = 3000) => (await queue.take(timeout, 'a message from the mock')).data,
    nextFrame: (timeout = 3000) => queue.take(timeout, 'a message from the mock'),
    received,
    arrivals,
    send: (data) => socket.send(data),
    closed,
    close: async () => {
      if (socket.readyState === WebSocket.CLOSED) return
      socket.close(1000)
      await closed
    },
  }
}

/**
 * Opens a `ws` client that the server is expected to refuse; resolves with the HTTP status of the refusal
 * (undefined when the connection failed without one).
 * @example
 * expect(await upgradeStatus(`ws://127.0.0.1:${ws.port}/elsewhere`)).toBe(404)
 */
export function upgradeStatus(url: string): Promise<number | undefined> {
  const refused = new WebSocket(url)
  return new Promise((resolve) => {
    refused.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode)
      refused.terminate()
    })
    refused.on('error', () => resolve(undefined))
  })
}

/** Node's own WebSocket where the runtime has it (Node 22+), else undici's implementation of the same standard class. */
export const StandardWebSocket: typeof UndiciWebSocket =
  (globalThis as { WebSocket?: typeof UndiciWebSocket }).WebSocket ?? UndiciWebSocket

// The leak counts moved to the one leak checker; kept here for the test files that still import them from here.
export { activeResources, leakableResources } from './leaks.js'
