import type { IncomingMessage } from 'node:http'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import WebSocket, { WebSocketServer, type ServerOptions } from 'ws'
import { MessageQueue } from '../../src/server/message-queue.js'

/** One connection the upstream accepted. */
export interface UpstreamConnection {
  socket: WebSocket
  request: IncomingMessage
  /** Messages from the proxy, text as string, binary as Buffer. */
  messages: MessageQueue<{ data: string | Buffer; isBinary: boolean }>
  closed: Promise<{ code: number; reason: string }>
}

/** A real `ws` server standing in for the upstream, on an OS-assigned loopback port. */
export interface Upstream {
  url: string
  port: number
  wss: WebSocketServer
  /** Resolves with the next connection the upstream accepted. */
  next(timeout?: number): Promise<UpstreamConnection>
  /** Every connection so far. */
  all: UpstreamConnection[]
  /** Ends every connection and the server; calling it again waits for the same close. */
  close(): Promise<void>
}

/**
 * Starts an upstream; `onConnection` decides what it does (default: echo with an `echo:` prefix on text).
 */
export async function startUpstream(
  options: Omit<ServerOptions, 'port' | 'server' | 'noServer'> & { path?: string; onConnection?: (c: UpstreamConnection) => void } = {},
): Promise<Upstream> {
  const { onConnection = echoPrefixed, path = '/feed', ...serverOptions } = options
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, ...serverOptions })
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()))
  const port = (wss.address() as AddressInfo).port
  const queue = new MessageQueue<UpstreamConnection>()
  const all: UpstreamConnection[] = []
  wss.on('connection', (socket, request) => {
    const messages = new MessageQueue<{ data: string | Buffer; isBinary: boolean }>()
    socket.on('message', (raw, isBinary) => messages.push({ data: isBinary ? (raw as Buffer) : raw.toString(), isBinary }))
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    )
    const conn = { socket, request, messages, closed }
    all.push(conn)
    queue.push(conn)
    onConnection(conn)
  })
  let closing: Promise<void> | undefined
  return {
    url: `ws://127.0.0.1:${port}${path}`,
    port,
    wss,
    all,
    next: (timeout = 3000) => queue.take(timeout, 'an upstream connection'),
    close: () =>
      (closing ??= (async () => {
        for (const c of all) c.socket.terminate()
        await Promise.all(all.map((c) => c.closed))
        await new Promise<void>((resolve) => wss.close(() => resolve()))
      })()),
  }
}

/** Upstream behaviour: answers text with `echo:<text>` and binary with the same bytes. */
export function echoPrefixed(c: UpstreamConnection): void {
  c.socket.on('message', (raw, isBinary) => {
    if (isBinary) c.socket.send(raw, { binary: true })
    else c.socket.send(`echo:${raw.toString()}`)
  })
}

/** A TCP server that accepts connections and never answers (a hung upstream). */
export async function startSilentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** A loopback port that was listening a moment ago and is closed now (connections are refused). */
export async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
