// Byte helpers without a `Buffer` dependency (base64, hex, UTF-8 sizes and decoding, views of binary payloads, text
// kept as received bytes), so the session, the replay export and the MSW path share one implementation that runs in
// a browser as well as in Node.
import { LAZY_TEXT_MAX_PIN, LAZY_TEXT_MIN_BYTES } from '../constants.js'

/** Bytes handed to `String.fromCharCode` at once; keeps the argument list far below engine limits. */
const BASE64_CHUNK_BYTES = 0x8000

/** The part of Node's `Buffer` these helpers use. */
interface NativeBytes {
  from(bytes: ArrayBufferLike, byteOffset: number, length: number): { toString(encoding: 'base64' | 'hex' | 'utf8'): string }
  from(text: string, encoding: 'base64'): Uint8Array
  byteLength(text: string, encoding: 'utf8'): number
  compare(a: Uint8Array, b: Uint8Array): number
}

/**
 * Node's `Buffer` where there is one, else undefined; the one place that looks for it. These helpers run once per
 * message, and in Node 20 `Buffer` is far faster than the portable code (base64 of 1 KiB: ~3 µs against ~200 µs
 * with `btoa`). A property of `globalThis`, so a browser bundle has no free `Buffer` reference to polyfill.
 */
const native: NativeBytes | undefined = typeof globalThis.Buffer === 'function' ? (globalThis.Buffer as unknown as NativeBytes) : undefined

/** Base64 of `bytes`, padded, as the transcript and text matchers show binary frames. */
export function toBase64(bytes: Uint8Array): string {
  if (native) return native.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
  let binary = ''
  for (let at = 0; at < bytes.byteLength; at += BASE64_CHUNK_BYTES) {
    binary += String.fromCharCode(...bytes.subarray(at, at + BASE64_CHUNK_BYTES))
  }
  return btoa(binary)
}

/**
 * The bytes of base64 text; lenient like `Buffer.from(text, 'base64')` on what it skips (padding,
 * whitespace and other characters outside the alphabet are ignored; validate first where that matters).
 */
export function fromBase64(text: string): Uint8Array {
  // In Node the Buffer itself, as the replay parser gave before: it is a Uint8Array.
  if (native) return native.from(text, 'base64')
  const digits = text.replace(/[^A-Za-z0-9+/]/g, '')
  // atob rejects a lone last digit (6 bits, no whole byte); Buffer drops it.
  const binary = atob(digits.length % 4 === 1 ? digits.slice(0, -1) : digits)
  return Uint8Array.from(binary, (c) => c.charCodeAt(0))
}

/** Size of `text` in UTF-8 bytes, as the byte counters of `metrics` count a text frame (a lone surrogate: 3, U+FFFD). */
export function utf8Length(text: string): number {
  if (native) return native.byteLength(text, 'utf8')
  return new TextEncoder().encode(text).byteLength
}

let decoder: TextDecoder | undefined
type Decodable = { toString(encoding: 'utf8'): string }

/** The text of UTF-8 `bytes` (a sequence that is not UTF-8 reads as U+FFFD, as `Buffer` and `TextDecoder` read it). */
export function fromUtf8(bytes: Uint8Array): string {
  // A Buffer (what the `ws` transport hands over) decodes itself: no second view per message.
  if (native) {
    if (bytes instanceof (native as unknown as new () => object)) return (bytes as unknown as Decodable).toString('utf8')
    return native.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
  }
  return (decoder ??= new TextDecoder()).decode(bytes)
}

/**
 * A text frame kept as the UTF-8 bytes it arrived in, decoded the first time something reads its text (then only
 * the string is kept). A large text that nothing reads (an echo) never becomes a string on the JS heap.
 * @example
 * const kept = new ReceivedText(Buffer.from('hi')); kept.text // 'hi'
 */
export class ReceivedText {
  /** Its size in UTF-8 bytes. */
  readonly byteLength: number
  #text: string | undefined

  /** `bytes`: as received, until the text is read (then undefined: they were let go). */
  constructor(public bytes: Uint8Array | undefined) {
    this.byteLength = bytes?.byteLength ?? 0
  }

  get text(): string {
    this.#text ??= fromUtf8(this.bytes as Uint8Array)
    this.bytes = undefined
    return this.#text
  }
}

/**
 * How a text frame received as UTF-8 bytes is kept: as the bytes when large (`ReceivedText`), unless they are a
 * small view of a much larger read buffer (kept, they would pin all of it); decoded now when small (a short
 * string costs less than the bytes' view object).
 */
export function keepText(bytes: Uint8Array): string | ReceivedText {
  const size = bytes.byteLength
  if (size >= LAZY_TEXT_MIN_BYTES && bytes.buffer.byteLength <= size * LAZY_TEXT_MAX_PIN) return new ReceivedText(bytes)
  return fromUtf8(bytes)
}

/** Lower-case hex of `bytes`, as failure reports preview binary frames. */
export function toHex(bytes: Uint8Array): string {
  if (native) return native.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

/** True when two byte arrays hold the same bytes, as the player compares an expected binary frame. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  if (native) return native.compare(a, b) === 0
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

/** A view of any binary payload a WebSocket client can send (Blobs are read first, elsewhere). */
export function toUint8Array(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof Uint8Array) return data
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  return new Uint8Array(data)
}
