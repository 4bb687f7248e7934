import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { MessageQueue } from '../../src/server/message-queue.js'

/** One frame as it was on the wire. */
export interface RawFrame {
  fin: boolean
  opcode: number
  payload: Buffer
}

/** A WebSocket client over a bare TCP socket: it writes the frames it is given and sees the frames the server wrote, unjoined. */
export interface RawClient {
  socket: net.Socket
  frames: MessageQueue<RawFrame>
  /** Writes bytes and resolves once they are handed to the operating system. */
  write(bytes: Buffer): Promise<void>
  /** Resolves when the TCP connection is closed. */
  closed: Promise<void>
}

/** Encodes one frame; client frames (`mask: true`) are masked with a random key, as RFC 6455 requires. */
export function encodeFrame(opcode: number, payload: Buffer | string, options: { fin?: boolean; mask?: boolean } = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload
  const mask = options.mask ?? true
  const len = data.length
  const head = Buffer.alloc(len < 126 ? 2 : len < 65536 ? 4 : 10)
  head[0] = (options.fin ?? true ? 0x80 : 0) | opcode
  if (len < 126) head[1] = len
  else if (len < 65536) {
    head[1] = 126
    head.writeUInt16BE(len, 2)
  } else {
    head[1] = 127
    head.writeBigUInt64BE(BigInt(len), 2)
  }
  if (!mask) return Buffer.concat([head, data])
  head[1] = (head[1] as number) | 0x80
  const key = randomBytes(4)
  const body = Buffer.from(data)
  for (let i = 0; i < body.length; i++) body[i] = (body[i] as number) ^ (key[i & 3] as number)
  return Buffer.concat([head, key, body])
}

/** Opens `url` (ws://host:port/path) with a hand-written handshake and parses what the server sends. */
export async function connectRaw(url: string): Promise<RawClient> {
  const { hostname, port, pathname, search } = new URL(url)
  const socket = net.connect(Number(port), hostname)
  const frames = new MessageQueue<RawFrame>()
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  socket.on('error', () => {})
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve())
    socket.once('error', reject)
  })
  socket.write(
    `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  )
  let buf = Buffer.alloc(0)
  let handshaken = false
  await new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      if (!handshaken) {
        const end = buf.indexOf('\r\n\r\n')
        if (end < 0) return
        const status = buf.subarray(0, buf.indexOf('\r\n')).toString()
        if (!status.includes(' 101 ')) reject(new Error(`raw client: handshake answered ${status}`))
        handshaken = true
        buf = buf.subarray(end + 4)
        resolve()
      }
      for (;;) {
        if (buf.length < 2) return
        let len = (buf[1] as number) & 0x7f
        let head = 2
        if (len === 126) {
          if (buf.length < 4) return
          len = buf.readUInt16BE(2)
          head = 4
        } else if (len === 127) {
          if (buf.length < 10) return
          len = Number(buf.readBigUInt64BE(2))
          head = 10
        }
        if (buf.length < head + len) return
        const b0 = buf[0] as number
        frames.push({ fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, payload: Buffer.from(buf.subarray(head, head + len)) })
        buf = buf.subarray(head + len)
      }
    })
  })
  const write = (bytes: Buffer): Promise<void> => new Promise((resolve, reject) => socket.write(bytes, (error) => (error ? reject(error) : resolve())))
  return { socket, frames, write, closed }
}
