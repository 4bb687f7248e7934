// Byte helpers without `Buffer`, so the code that shares them (replay export, the MSW adapter) runs in a browser as well as in Node.

/** Bytes handed to `String.fromCharCode` at once; keeps the argument list far below engine limits. */
const BASE64_CHUNK_BYTES = 0x8000

const encoder = new TextEncoder()

/**
 * Base64 of `bytes`, as the transcript and text matchers show binary frames.
 * @example
 * toBase64(new Uint8Array([1, 2, 3])) // 'AQID'
 */
export function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let at = 0; at < bytes.byteLength; at += BASE64_CHUNK_BYTES) {
    binary += String.fromCharCode(...bytes.subarray(at, at + BASE64_CHUNK_BYTES))
  }
  return btoa(binary)
}

/**
 * UTF-8 size of a text frame, as the byte counters of `metrics` count it.
 * @example
 * utf8Length('é') // 2
 */
export function utf8Length(text: string): number {
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
