// The proxy's fast path: after both handshakes, the data frames a side sends are written to the other
// side's TCP socket as they arrived (a client's frames are already masked as the upstream must receive
// them, an upstream's unmasked as the client must), with one header parse per frame to find message
// boundaries and to hand each message to the transcript. Control frames (ping, pong, close) still go to
// the `ws` socket's own receiver, so pings, pongs and close codes take the frame-level path unchanged.
// Anything the parser does not accept (a protocol error, a frame over maxPayload, invalid UTF-8) is handed,
// from the start of its message, to that receiver too, which fails it exactly as it does without the tap.
import { isUtf8 } from 'node:buffer'
import type { Socket } from 'node:net'

/** The private parts of a `ws` WebSocket the tap needs (ws 8); any missing means no fast path. */
interface WsInternals {
  _socket?: Socket
  _extensions?: Record<string, unknown>
  _receiver?: {
    write(chunk: Buffer): boolean
    _bufferedBytes?: number
    _maxPayload?: number
    _maxFragments?: number
    _maxBufferedChunks?: number
    _skipUTF8Validation?: boolean
    _isServer?: boolean
  }
}

/** One direction of a tapped connection: where its bytes go and what becomes of its messages. */
export interface TapSide {
  /** The `ws` socket whose TCP bytes are read. */
  from: object
  /** The `ws` socket whose TCP socket the data frames are written to. */
  to: object
  /** False while the frames must not be written (the target is closing): they are dropped, as the frame-level path drops them. */
  canForward(): boolean
  /** Checked once per TCP chunk before anything of it is forwarded: false drops the chunk's frames (a send limit closed the client). */
  admit(): boolean
  /**
   * A whole message was read: recorded, and forwarded when `canForward()`. The payload is unmasked; an
   * unmasked frame's is a view into the read (copy what is kept).
   */
  message(payload: Buffer, isBinary: boolean): void
  /** Bytes were written to the target (backpressure check). */
  written(): void
}

const OP_TEXT = 1
const OP_BINARY = 2
const OP_CLOSE = 8
const MAX_CONTROL_PAYLOAD = 125
/** Largest 64-bit length high word `ws` accepts (lengths above 2^53 - 1 are refused). */
const MAX_LENGTH_HIGH_WORD = 0x1fffff

function socketOnDataOf(tcp: Socket): ((this: Socket, chunk: Buffer) => void) | undefined {
  const listeners = tcp.listeners('data')
  const own = listeners.find((l) => l.name === 'socketOnData')
  return listeners.length === 1 && own ? (own as (this: Socket, chunk: Buffer) => void) : undefined
}

/** True when `ws` is in the shape the tap was written for, with nothing received yet and no extension. */
function tappable(ws: WsInternals): boolean {
  const r = ws._receiver
  return (
    ws._socket !== undefined &&
    socketOnDataOf(ws._socket) !== undefined &&
    ws._extensions !== undefined &&
    Object.keys(ws._extensions).length === 0 &&
    r !== undefined &&
    r._bufferedBytes === 0
  )
}

/**
 * Taps both directions of a proxied connection, or returns false (and changes nothing) when either
 * `ws` socket is not in a state the tap handles (an extension negotiated, bytes already received, another
 * `ws` version), in which case the caller keeps the frame-level path.
 * @example
 * if (!passThrough(toUpstream, toClient)) forwardFrames()
 */
export function passThrough(...sides: [TapSide, TapSide]): boolean {
  if (!sides.every((s) => tappable(s.from as WsInternals) && tappable(s.to as WsInternals))) return false
  for (const side of sides) tap(side)
  return true
}

function tap(side: TapSide): void {
  const ws = side.from as Required<WsInternals>
  const tcp = ws._socket
  const receiver = ws._receiver
  const target = (side.to as Required<WsInternals>)._socket
  const socketOnData = socketOnDataOf(tcp) as (this: Socket, chunk: Buffer) => void
  const mustMask = receiver._isServer === true
  const maxPayload = receiver._maxPayload ?? 0
  const checkUtf8 = receiver._skipUTF8Validation !== true
  // ws's limits on the frames of one message and on the reads one frame spans (0: none); past either the
  // message is handed to ws, which applies them.
  const maxFragments = receiver._maxFragments || Infinity
  const maxChunks = receiver._maxBufferedChunks || Infinity
  // Bytes not parsed yet (an incomplete frame), and how many of them the next frame needs.
  let pending: Buffer[] = []
  let pendingBytes = 0
  let need = 2
  // The message in progress when it spans frames: its raw frames (held back until it is whole) and payloads.
  let held: Buffer[] = []
  let parts: Buffer[] = []
  let opcode = 0
  let total = 0
  let done = false

  const stop = (): void => {
    done = true
    tcp.off('data', onData)
    tcp.off('end', onClose)
    tcp.off('close', onClose)
  }
  // From `from` (a message start) on, every byte goes to ws's receiver, as if the tap had never been there.
  const handOver = (rest: Buffer[]): void => {
    const chunks = [...held, ...rest]
    stop()
    tcp.on('data', socketOnData)
    held = []
    parts = []
    for (const chunk of chunks) if (chunk.length > 0) socketOnData.call(tcp, chunk)
  }
  const write = (out: Buffer[]): void => {
    if (out.length === 0 || !side.canForward()) return
    target.write(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out))
    side.written()
  }

  function onData(chunk: Buffer): void {
    if (done) return
    let buf = chunk
    if (pendingBytes > 0 || chunk.length < need) {
      pending.push(chunk)
      pendingBytes += chunk.length
      if (pendingBytes < need) {
        if (pending.length >= maxChunks) handOver(pending)
        return
      }
      buf = Buffer.concat(pending, pendingBytes)
      pending = []
      pendingBytes = 0
    }
    need = 2
    const admitted = side.admit()
    let out: Buffer[] = []
    let run = 0
    let at = 0
    for (;;) {
      const avail = buf.length - at
      if (avail < 2) break
      const b0 = buf[at] as number
      const b1 = buf[at + 1] as number
      const op = b0 & 0x0f
      const fin = (b0 & 0x80) !== 0
      const masked = (b1 & 0x80) !== 0
      let len = b1 & 0x7f
      let head = 2
      if (len === 126) {
        if (avail < 4) break
        len = buf.readUInt16BE(at + 2)
        head = 4
      } else if (len === 127) {
        if (avail < 10) break
        const high = buf.readUInt32BE(at + 2)
        if (high > MAX_LENGTH_HIGH_WORD) return bail(out, buf, at, run)
        len = high * 2 ** 32 + buf.readUInt32BE(at + 6)
        head = 10
      }
      const maskAt = at + head
      if (masked) head += 4
      const control = op >= OP_CLOSE
      const valid =
        (b0 & 0x70) === 0 &&
        masked === mustMask &&
        (control ? op <= 10 && fin && len <= MAX_CONTROL_PAYLOAD : op <= OP_BINARY && (op === 0) === (opcode !== 0)) &&
        (control || maxPayload === 0 || total + len <= maxPayload)
      if (!valid) return bail(out, buf, at, run)
      if (avail < head + len) {
        need = head + len
        break
      }
      const end = at + head + len
      if (control) {
        // Data before a control frame is written before the control frame is handled (a close after messages).
        if (run < at) out.push(buf.subarray(run, at))
        if (admitted) write(out)
        out = []
        run = end
        receiver.write(buf.subarray(at, end))
        at = end
        // After a close frame ws reads nothing more (and only a close frame can fail here).
        if (op === OP_CLOSE) {
          stop()
          return
        }
        continue
      }
      const payload = masked ? unmasked(buf, at + head, len, maskAt) : buf.subarray(at + head, end)
      if (fin && opcode === 0) {
        if (op === OP_TEXT && checkUtf8 && !isUtf8(payload)) return bail(out, buf, at, run)
        if (admitted) side.message(payload, op === OP_BINARY)
        at = end
        continue
      }
      // A fragmented message: held back until its last frame, so that nothing of an invalid one is forwarded.
      if (run < at) out.push(buf.subarray(run, at))
      if (held.length >= maxFragments) return bail(out, buf, at, at)
      if (opcode === 0) opcode = op
      held.push(buf.subarray(at, end))
      parts.push(payload)
      total += len
      run = end
      if (fin) {
        const whole = Buffer.concat(parts, total)
        if (opcode === OP_TEXT && checkUtf8 && !isUtf8(whole)) return bail(out, buf, end, run)
        out.push(...held)
        if (admitted) side.message(whole, opcode === OP_BINARY)
        held = []
        parts = []
        opcode = 0
        total = 0
      }
      at = end
    }
    // Usually the whole read is whole frames: it is written as it came.
    if (run < at) out.push(run === 0 && at === buf.length ? buf : buf.subarray(run, at))
    if (admitted) write(out)
    if (at < buf.length) {
      // Copied when small, so that a few bytes do not keep a whole 64 KiB read alive.
      const rest = buf.subarray(at)
      pending = [need <= 1024 ? Buffer.from(rest) : rest]
      pendingBytes = rest.length
    }
  }

  // Forwards what was accepted so far, then hands the frame at `at` (and the message it belongs to) to ws.
  function bail(out: Buffer[], buf: Buffer, at: number, run: number): void {
    if (run < at) out.push(buf.subarray(run, at))
    write(out)
    handOver([buf.subarray(at)])
  }

  // The socket ends or closes with bytes the tap still holds (a read cut short): ws gets them, as it would have.
  function onClose(): void {
    if (done || (held.length === 0 && pendingBytes === 0)) return
    handOver(pending)
  }

  tcp.off('data', socketOnData)
  tcp.on('data', onData)
  // Before ws's own listeners: its 'end' ends the receiver, its 'close' reads what is left in a paused socket into it.
  tcp.prependListener('end', onClose)
  tcp.prependListener('close', onClose)
}

/** The payload at `start`, unmasked into a buffer of its own. */
function unmasked(buf: Buffer, start: number, len: number, maskAt: number): Buffer {
  const out = Buffer.allocUnsafe(len)
  for (let i = 0; i < len; i++) out[i] = (buf[start + i] as number) ^ (buf[maskAt + (i & 3)] as number)
  return out
}
