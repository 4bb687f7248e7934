// node:crypto for the browser bundle: the template code uses two functions that Web Crypto also has.

/** `crypto.randomUUID()` of the page. */
export function randomUUID(): string {
  return globalThis.crypto.randomUUID()
}

/** Fills `bytes` from the page's `crypto.getRandomValues`. */
export function randomFillSync<T extends ArrayBufferView>(bytes: T): T {
  globalThis.crypto.getRandomValues(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
  return bytes
}
