// Byte helpers without a `Buffer` dependency (base64, hex, UTF-8 sizes, views of binary payloads), so the session,
// the replay export and the MSW path share one implementation that runs in a browser as well as in Node.

/** Bytes handed to `String.fromCharCode` at once; keeps the argument list far below engine limits. */
const BASE64_CHUNK_BYTES = 0x8000

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
