import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { expect } from 'vitest'
import type { MockWs } from '../../src/index.js'
import { connectClient } from '../support/client.js'

/** How long a fresh client may take to be served after an abuse scenario (generous for a noisy 2-core machine). */
export const SERVED_WITHIN_MS = 1000

/** Connects a fresh `ws` client, checks it is echoed within `withinMs`, and closes it; resolves with the time it took. */
export async function expectServed(ws: MockWs, text = 'still there?', withinMs = SERVED_WITHIN_MS): Promise<number> {
  const start = performance.now()
  const client = await connectClient(ws.url)
  client.send(text)
  expect(await client.next()).toBe(text)
  const elapsed = performance.now() - start
  await client.close()
  expect(elapsed).toBeLessThan(withinMs)
  return elapsed
}

// The leak check is the suite's one checker; re-exported for the tests that import it from here.
export { watchLeaks, type LeakWatch } from '../support/leaks.js'

/** A raw TCP connection to the mock, for clients no WebSocket library would be. */
export interface RawSocket {
  socket: net.Socket
  /** Every byte received so far. */
  received(): Buffer
  /** Resolves once `predicate(received)` holds; rejects on timeout. */
  until(predicate: (data: Buffer) => boolean, timeoutMs?: number): Promise<Buffer>
  /** Resolves when the server has closed the connection. */
  ended: Promise<void>
  destroy(): void
}

/** Opens a raw TCP connection to `port` on loopback. */
export async function rawConnect(port: number): Promise<RawSocket> {
  const socket = net.connect({ port, host: '127.0.0.1' })
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  socket.on('error', () => {})
  let data = Buffer.alloc(0)
  const listeners = new Set<() => void>()
  socket.on('data', (chunk: Buffer) => {
    data = Buffer.concat([data, chunk])
    for (const listener of listeners) listener()
  })
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  return {
    socket,
    received: () => data,
    until: (predicate, timeoutMs = 3000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (!predicate(data)) return
          cleanup()
          resolve(data)
        }
        const timer = setTimeout(() => {
          cleanup()
          reject(new Error(`raw socket: condition not met within ${timeoutMs} ms; got ${JSON.stringify(data.toString('latin1').slice(0, 200))}`))
        }, timeoutMs)
        const onClose = (): void => {
          cleanup()
          if (predicate(data)) resolve(data)
          else reject(new Error(`raw socket closed before the condition held; got ${JSON.stringify(data.toString('latin1').slice(0, 200))}`))
        }
        const cleanup = (): void => {
          clearTimeout(timer)
          listeners.delete(check)
          socket.off('close', onClose)
        }
        listeners.add(check)
        socket.once('close', onClose)
        check()
      }),
    ended,
    destroy: () => socket.destroy(),
  }
}

/** Sends a WebSocket handshake over a raw socket and waits for the response head. */
export async function rawUpgrade(port: number, path = '/ws'): Promise<RawSocket & { head: string }> {
  const raw = await rawConnect(port)
  const key = randomBytes(16).toString('base64')
  raw.socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  )
  const data = await raw.until((d) => d.includes('\r\n\r\n'))
  const end = data.indexOf('\r\n\r\n')
  return { ...raw, head: data.subarray(0, end).toString('latin1') }
}

/** Encodes one masked client frame (RFC 6455 §5.2). */
export function clientFrame(opcode: number, payload: Uint8Array, fin = true): Buffer {
  const mask = randomBytes(4)
  const length = payload.byteLength
  const header: number[] = [(fin ? 0x80 : 0) | opcode]
  if (length < 126) header.push(0x80 | length)
  else if (length < 0x10000) header.push(0x80 | 126, length >> 8, length & 0xff)
  else {
    header.push(0x80 | 127, 0, 0, 0, 0)
    header.push((length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff)
  }
  const masked = Buffer.from(payload)
  for (let i = 0; i < masked.length; i++) masked[i] = (masked[i] as number) ^ (mask[i % 4] as number)
  return Buffer.concat([Buffer.from(header), mask, masked])
}

/** Finds the close code in the server frames after the handshake response, if a close frame arrived. */
export function serverCloseCode(data: Buffer): number | undefined {
  let at = data.indexOf('\r\n\r\n') + 4
  while (at + 2 <= data.length) {
    const opcode = (data[at] as number) & 0x0f
    let length = (data[at + 1] as number) & 0x7f
    let offset = at + 2
    if (length === 126) {
      length = data.readUInt16BE(offset)
      offset += 2
    } else if (length === 127) {
      length = Number(data.readBigUInt64BE(offset))
      offset += 8
    }
    if (offset + length > data.length) return undefined
    if (opcode === 0x8) return length >= 2 ? data.readUInt16BE(offset) : 1005
    at = offset + length
  }
  return undefined
}
