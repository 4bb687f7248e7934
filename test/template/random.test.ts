import { describe, expect, it } from 'vitest'
import { MockWsError } from '../../src/errors.js'
import { createRandom, isCryptoRandom } from '../../src/template/random.js'

const SAMPLES = 20_000

function draw(seed: number | undefined, n: number): number[] {
  const r = createRandom(seed)
  return Array.from({ length: n }, () => r.next())
}

describe('createRandom', () => {
  it('fills any number of unseeded bytes from Web Crypto, past its 65536-byte limit per call', () => {
    const bytes = createRandom().bytes(200_000)
    expect(bytes.byteLength).toBe(200_000)
    // Every 64 KiB part is filled: a zero run that long has probability 2^-(8·4096).
    for (const at of [0, 65_536, 131_072, 196_608]) expect(bytes.subarray(at, at + 4096).some((b) => b !== 0)).toBe(true)
    expect(createRandom().bytes(0).byteLength).toBe(0)
  })

  it('gives the same sequence for the same seed and different ones for different seeds', () => {
    expect(draw(42, 50)).toEqual(draw(42, 50))
    expect(draw(42, 50)).not.toEqual(draw(43, 50))
    // Fractional and large seeds use all their bits.
    expect(draw(1.5, 10)).not.toEqual(draw(1, 10))
    expect(draw(2 ** 40, 10)).not.toEqual(draw(0, 10))
    expect(createRandom(7).seed).toBe(7)
  })

  it('keeps next() in [0, 1) with a roughly uniform mean', () => {
    for (const seed of [undefined, 1, 999]) {
      const values = draw(seed, SAMPLES)
      expect(values.every((v) => v >= 0 && v < 1)).toBe(true)
      const mean = values.reduce((a, b) => a + b, 0) / values.length
      expect(Math.abs(mean - 0.5)).toBeLessThan(0.02)
    }
  })

  it('draws int() inclusively over the whole range, negatives included', () => {
    for (const seed of [undefined, 3]) {
      const r = createRandom(seed)
      const seen = new Set<number>()
      for (let i = 0; i < SAMPLES; i++) {
        const v = r.int(-3, 3)
        expect(Number.isInteger(v) && v >= -3 && v <= 3).toBe(true)
        seen.add(v)
      }
      expect([...seen].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3])
      expect(r.int(5, 5)).toBe(5)
    }
  })

  it('stays in range for spans near the safe-integer limit', () => {
    const r = createRandom(11)
    for (let i = 0; i < 1000; i++) {
      const v = r.int(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
      expect(Number.isSafeInteger(v)).toBe(true)
    }
  })

  it('rejects bad int() bounds with a stable code', () => {
    const r = createRandom(1)
    expect(() => r.int(5, 1)).toThrowErrorMatchingInlineSnapshot(`[MockWsError: Failed to draw a random integer: min 5 is greater than max 1. Pass min <= max, e.g. int(1, 5).]`)
    expect(() => r.int(0.5, 1)).toThrowErrorMatchingInlineSnapshot(`[MockWsError: Failed to draw a random integer: bounds 0.5 and 1 are not both safe integers. Pass whole numbers, e.g. int(1, 6).]`)
    expect(() => r.int(0.5, 1)).toThrow(expect.objectContaining({ code: 'WSM_CONFIG' }))
    expect(() => r.int(5, 1)).toThrow(MockWsError)
  })

  it('makes reproducible bytes when seeded and fresh ones otherwise', () => {
    expect(createRandom(5).bytes(33)).toEqual(createRandom(5).bytes(33))
    expect(createRandom(5).bytes(16)).not.toEqual(createRandom(6).bytes(16))
    const unseeded = createRandom()
    expect(unseeded.bytes(16)).not.toEqual(unseeded.bytes(16))
    expect(unseeded.bytes(7)).toHaveLength(7)
  })

  it('marks only unseeded sources as crypto-backed', () => {
    expect(isCryptoRandom(createRandom())).toBe(true)
    expect(isCryptoRandom(createRandom(1))).toBe(false)
    expect(createRandom().seed).toBeUndefined()
  })

  it('rejects a NaN seed', () => {
    expect(() => createRandom(Number.NaN)).toThrowErrorMatchingInlineSnapshot(`[MockWsError: Failed to create a random source: seed NaN is not a number. Pass a number such as 42, or no seed.]`)
  })
})
