// The few `Buffer` calls of the core (close-reason sizes, base64/hex of binary frames), injected as a global
// into the browser bundle only; the core would not need it if it used TextEncoder/btoa (see docs/msw.md).

const encoder = new TextEncoder()
const decoder = new TextDecoder()

class BufferShim extends Uint8Array {
  static override from(value: unknown, offsetOrEncoding?: unknown, length?: number): BufferShim {
    if (typeof value === 'string') {
      if (offsetOrEncoding === 'base64') return new BufferShim(Uint8Array.from(atob(value), (c) => c.charCodeAt(0)))
      return new BufferShim(encoder.encode(value))
    }
    if (value instanceof ArrayBuffer) return new BufferShim(value.slice(Number(offsetOrEncoding ?? 0), length === undefined ? undefined : Number(offsetOrEncoding ?? 0) + length))
    return new BufferShim(value as ArrayLike<number>)
  }

  static byteLength(text: string): number {
    return encoder.encode(text).byteLength
  }

  static compare(a: Uint8Array, b: Uint8Array): number {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return (a[i] ?? 0) < (b[i] ?? 0) ? -1 : 1
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1
  }

  override toString(encoding?: string): string {
    if (encoding === 'base64') return btoa(String.fromCharCode(...this))
    if (encoding === 'hex') return [...this].map((b) => b.toString(16).padStart(2, '0')).join('')
    return decoder.decode(this)
  }
}

export { BufferShim as Buffer }
