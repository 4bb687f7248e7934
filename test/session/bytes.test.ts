import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { fromBase64, toBase64, toUint8Array, utf8Length } from '../../src/session/bytes.js'

describe('base64', () => {
  it('encodes and decodes exactly as Buffer does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = toBase64(bytes)
        expect(text).toBe(Buffer.from(bytes).toString('base64'))
        expect(Buffer.from(fromBase64(text)).equals(Buffer.from(bytes))).toBe(true)
        // Unpadded base64 decodes too, as Buffer decodes it.
        const unpadded = text.replace(/=+$/, '')
        expect(Buffer.from(fromBase64(unpadded)).equals(Buffer.from(unpadded, 'base64'))).toBe(true)
      }),
    )
  })

  it('round-trips payloads larger than one chunk', () => {
    const bytes = new Uint8Array(200_001).map((_, i) => (i * 31) & 0xff)
    const text = toBase64(bytes)
    expect(text).toBe(Buffer.from(bytes).toString('base64'))
    expect(Buffer.from(fromBase64(text)).equals(bytes)).toBe(true)
  })

  it('skips whitespace and characters outside the alphabet', () => {
    expect(Array.from(fromBase64('AQ ID\n'))).toEqual([1, 2, 3])
    expect(Array.from(fromBase64(''))).toEqual([])
  })
})

describe('utf8Length and toUint8Array', () => {
  it('counts text frames in UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(utf8Length(text)).toBe(Buffer.byteLength(text))
      }),
    )
  })

  it('views any binary payload as bytes without copying', () => {
    const buffer = new ArrayBuffer(4)
    expect(toUint8Array(buffer).buffer).toBe(buffer)
    const view = new DataView(buffer, 1, 2)
    expect(toUint8Array(view).byteLength).toBe(2)
    const bytes = new Uint8Array(buffer)
    expect(toUint8Array(bytes)).toBe(bytes)
  })
})
