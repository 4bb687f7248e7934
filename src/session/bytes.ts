// Byte helpers without a `Buffer` dependency (base64, hex, UTF-8 sizes, views of binary payloads), so the session,
// the replay export and the MSW path share one implementation that runs in a browser as well as in Node.

/** Bytes handed to `String.fromCharCode` at once; keeps the argument list far below engine limits. */
const BASE64_CHUNK_BYTES = 0x8000
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
/** Value of each alphabet character by char code; -1 for characters outside the alphabet. */
const VALUES: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1)
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i
  return table
})()

/** The part of Node's `Buffer` these helpers use. */
interface NativeBytes {
  from(bytes: ArrayBufferLike, byteOffset: number, length: number): { toString(encoding: 'base64' | 'hex'): string }
  from(text: string, encoding: 'base64'): Uint8Array
  byteLength(text: string, encoding: 'utf8'): number
  compare(a: Uint8Array, b: Uint8Array): number
}

/**
 * Node's `Buffer` where there is one, else undefined; the one place that looks for it. These helpers run once per
 * message, and in Node 20 `Buffer` is far faster than the portable code (base64 of 1 KiB: ~3 µs against ~200 µs
 * with `btoa`; UTF-8 size of 4 KiB of text: ~1.3 µs against ~37 µs counted in JS). A property of `globalThis`, so a
 * browser bundle has no free `Buffer` reference to polyfill.
 */
const native: NativeBytes | undefined = typeof globalThis.Buffer === 'function' ? (globalThis.Buffer as unknown as NativeBytes) : undefined

/**
 * Base64 of `bytes`, padded, as the transcript and text matchers show binary frames.
 * @example
 * toBase64(new Uint8Array([1, 2, 3])) // 'AQID'
 */
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
 * @example
 * fromBase64('AQID') // Uint8Array [1, 2, 3]
 */
export function fromBase64(text: string): Uint8Array {
  // In Node the Buffer itself, as the replay parser gave before: it is a Uint8Array.
  if (native) return native.from(text, 'base64')
  const out = new Uint8Array(Math.floor((text.length * 3) / 4))
  let bits = 0
  let value = 0
  let at = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    const v = c < 128 ? (VALUES[c] as number) : -1
    if (v < 0) continue
    value = ((value << 6) | v) & 0xffffff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[at++] = (value >> bits) & 0xff
    }
  }
  return out.subarray(0, at)
}

/**
 * Size of `text` in UTF-8 bytes, as the byte counters of `metrics` count a text frame; counts without
 * encoding (a lone surrogate counts 3, as `TextEncoder` writes U+FFFD for it).
 * @example
 * utf8Length('é€😀') // 9
 */
export function utf8Length(text: string): number {
  if (native) return native.byteLength(text, 'utf8')
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) bytes += 1
    else if (c < 0x800) bytes += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4
      i++
    } else bytes += 3
  }
  return bytes
}

/**
 * Lower-case hex of `bytes`, as failure reports preview binary frames.
 * @example
 * toHex(new Uint8Array([0, 255])) // '00ff'
 */
export function toHex(bytes: Uint8Array): string {
  if (native) return native.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
  let hex = ''
  for (const byte of bytes) hex += (byte < 16 ? '0' : '') + byte.toString(16)
  return hex
}

/**
 * True when two byte arrays hold the same bytes, as the player compares an expected binary frame.
 * @example
 * sameBytes(new Uint8Array([1]), new Uint8Array([1])) // true
 */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  if (native) return native.compare(a, b) === 0
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * A view of any binary payload a WebSocket client can send (Blobs are read first, elsewhere).
 * @example
 * toUint8Array(new ArrayBuffer(2)).byteLength // 2
 */
export function toUint8Array(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof Uint8Array) return data
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  return new Uint8Array(data)
}
