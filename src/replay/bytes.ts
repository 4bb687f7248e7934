// Byte helpers that run in a browser as well as in Node, so the code that shares them (replay parsing and export,
// scenarios, the MSW adapter) bundles for a browser without a `Buffer` polyfill.

/** Bytes handed to `String.fromCharCode` at once; keeps the argument list far below engine limits. */
const BASE64_CHUNK_BYTES = 0x8000

const encoder = new TextEncoder()

/** The part of Node's `Buffer` these helpers use. */
interface NodeBufferLike {
  from(bytes: ArrayBufferLike, byteOffset: number, length: number): { toString(encoding: 'base64' | 'hex'): string }
  from(text: string, encoding: 'base64'): Uint8Array
  byteLength(text: string, encoding: 'utf8'): number
  compare(a: Uint8Array, b: Uint8Array): number
}

/**
 * Node's `Buffer` where there is one, else undefined. The only place that looks for it: in Node its base64 and UTF-8
 * sizes are native and 5–100x faster than `btoa`/`TextEncoder` (docs/msw.md), and these run once per message.
 * Read as a property of `globalThis`, so a browser bundle has no free `Buffer` reference.
 */
const nodeBuffer: NodeBufferLike | undefined =
  typeof globalThis.Buffer === 'function' ? (globalThis.Buffer as unknown as NodeBufferLike) : undefined

/**
 * Base64 of `bytes`, as the transcript and text matchers show binary frames.
 * @example
 * toBase64(new Uint8Array([1, 2, 3])) // 'AQID'
 */
export function toBase64(bytes: Uint8Array): string {
  if (nodeBuffer) return nodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
  let binary = ''
  for (let at = 0; at < bytes.byteLength; at += BASE64_CHUNK_BYTES) {
    binary += String.fromCharCode(...bytes.subarray(at, at + BASE64_CHUNK_BYTES))
  }
  return btoa(binary)
}

/**
 * The bytes of standard base64 text (`+` and `/`, padding optional), as replay files hold binary frames.
 * Validate first: invalid input is not reported here.
 * @example
 * fromBase64('AQID') // Uint8Array [1, 2, 3]
 */
export function fromBase64(text: string): Uint8Array {
  // In Node the Buffer itself, as before: it is a Uint8Array, and equal to a test's `Buffer.from(…)`.
  if (nodeBuffer) return nodeBuffer.from(text, 'base64')
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/**
 * Lower-case hex of `bytes`, as failure reports preview binary frames.
 * @example
 * toHex(new Uint8Array([0, 255])) // '00ff'
 */
export function toHex(bytes: Uint8Array): string {
  if (nodeBuffer) return nodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
  let hex = ''
  for (const byte of bytes) hex += (byte < 16 ? '0' : '') + byte.toString(16)
  return hex
}

/**
 * True when two byte arrays hold the same bytes.
 * @example
 * sameBytes(new Uint8Array([1]), new Uint8Array([1])) // true
 */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  if (nodeBuffer) return nodeBuffer.compare(a, b) === 0
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * UTF-8 size of a text frame, as the byte counters of `metrics` count it.
 * @example
 * utf8Length('é') // 2
 */
export function utf8Length(text: string): number {
  if (nodeBuffer) return nodeBuffer.byteLength(text, 'utf8')
  return encoder.encode(text).byteLength
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
