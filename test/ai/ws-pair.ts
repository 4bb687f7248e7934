import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'
import type WebSocket from 'ws'
import { connectClient } from '../support/client.js'
import type { TestClient } from '../support/client.js'

/** A real ws server socket (what the generator streams into) connected to a real ws client. */
export interface WsPair {
  server: WebSocket
  client: TestClient
  /** Closes the client, the server socket and the server; resolves when nothing is left open. */
  close(): Promise<void>
}

/** Starts a ws server on port 0 and connects a client to it. */
export async function openWsPair(): Promise<WsPair> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve)
    wss.once('error', reject)
  })
  const serverSocket = new Promise<WebSocket>((resolve) => wss.once('connection', resolve))
  const { port } = wss.address() as AddressInfo
  const client = await connectClient(`ws://127.0.0.1:${port}/`)
  const server = await serverSocket
  return {
    server,
    client,
    close: async () => {
      await client.close()
      for (const socket of wss.clients) socket.terminate()
      await new Promise<void>((resolve, reject) => wss.close((error) => (error ? reject(error) : resolve())))
    },
  }
}

/** Parses the frames a client received. */
export function framesOf(client: TestClient): { type: string; timestamp: string; sequence: number; data: unknown }[] {
  return client.received.map((raw) => JSON.parse(String(raw)))
}
