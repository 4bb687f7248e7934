// The byte helpers give the same results with Node's Buffer (picked where there is one) and without it (a browser):
// the second copy is the helpers bundled for the browser and run in a realm that has no Buffer.
import { runInNewContext } from 'node:vm'
import { build } from 'esbuild'
import fc from 'fast-check'
import { beforeAll, describe, expect, test } from 'vitest'
import * as nodeBytes from '../../src/session/bytes.js'

type Bytes = typeof nodeBytes
let browserBytes: Bytes

beforeAll(async () => {
  const result = await build({
    entryPoints: ['src/session/bytes.ts'],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'bytes',
    platform: 'browser',
    logLevel: 'silent',
  })
  const realm: Record<string, unknown> = { TextEncoder, atob, btoa }
  runInNewContext(result.outputFiles[0]?.text ?? '', realm)
  browserBytes = realm.bytes as Bytes
  expect(runInNewContext('typeof Buffer', realm)).toBe('undefined')
})

const list = (bytes: Uint8Array): number[] => Array.from(bytes)

describe.each([
  ['with Buffer (Node)', () => nodeBytes],
  ['without Buffer (browser)', () => browserBytes],
])('bytes helpers %s', (_, helpers) => {
  test('known values', () => {
    const b = helpers()
    expect(b.toBase64(new Uint8Array([1, 2, 3]))).toBe('AQID')
    expect(b.toBase64(new Uint8Array([251, 255]))).toBe('+/8=')
    expect(list(b.fromBase64('+/8='))).toEqual([251, 255])
    expect(list(b.fromBase64('+/8'))).toEqual([251, 255])
    expect(b.toHex(new Uint8Array([0, 15, 16, 255]))).toBe('000f10ff')
    expect(b.utf8Length('é😀a')).toBe(2 + 4 + 1)
    expect(b.utf8Length('\ud800')).toBe(3)
    expect(b.sameBytes(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true)
    expect(b.sameBytes(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false)
    expect(b.sameBytes(new Uint8Array([1]), new Uint8Array([1, 0]))).toBe(false)
    // A view into a larger buffer encodes only its own bytes.
    const view = new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4)
    expect(b.toBase64(view)).toBe('AQID')
    expect(b.toHex(view)).toBe('010203')
  })

  test('large frames (over the 32 KiB chunk of the browser path)', () => {
    const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31) & 0xff)
    const b = helpers()
    expect(b.toBase64(big)).toBe(Buffer.from(big).toString('base64'))
    expect(list(b.fromBase64(b.toBase64(big)))).toEqual(list(big))
  })

  test('agrees with Buffer on any bytes and any text', () => {
    const b = helpers()
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (bytes, other) => {
        const base64 = Buffer.from(bytes).toString('base64')
        expect(b.toBase64(bytes)).toBe(base64)
        expect(list(b.fromBase64(base64))).toEqual(list(bytes))
        expect(list(b.fromBase64(base64.replace(/=+$/, '')))).toEqual(list(bytes))
        expect(b.toHex(bytes)).toBe(Buffer.from(bytes).toString('hex'))
        expect(b.sameBytes(bytes, other)).toBe(Buffer.compare(bytes, other) === 0)
        expect(b.sameBytes(bytes, bytes.slice())).toBe(true)
      }),
    )
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }), (text, units) => {
        expect(b.utf8Length(text)).toBe(Buffer.byteLength(text, 'utf8'))
        expect(b.utf8Length(units)).toBe(Buffer.byteLength(units, 'utf8'))
      }),
    )
  })
})

test('in Node, fromBase64 gives a Buffer as before (equal to a Buffer.from in assertions)', () => {
  expect(Buffer.isBuffer(nodeBytes.fromBase64('AQID'))).toBe(true)
  expect(nodeBytes.fromBase64('AQID')).toEqual(Buffer.from([1, 2, 3]))
})
