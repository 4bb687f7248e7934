import { MockWsError } from '../errors.js'

/**
 * Source of randomness for templates and latency sampling; seeded when a seed is given.
 * @example
 * const r = createRandom(42); r.int(1, 6)
 */
export interface Random {
  /** Uniform float in [0, 1). */
  next(): number
  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number
  /** `n` random bytes. */
  bytes(n: number): Uint8Array
  /** The seed this source was created with; absent when it draws from Math.random / Web Crypto. */
  readonly seed?: number
}

/** Outputs discarded after seeding so that nearby seeds do not start with correlated values. */
const SFC32_WARMUP_ROUNDS = 15
const TWO_POW_26 = 2 ** 26
const TWO_POW_53 = 2 ** 53
/** The most bytes one `crypto.getRandomValues()` call fills (the Web Crypto limit). */
const MAX_RANDOM_VALUES_BYTES = 65_536

// Sources created without a seed; `{{uuid}}` uses crypto.randomUUID() for these and bytes() for
// any other Random (seeded or user-supplied), so a deterministic Random gives deterministic uuids.
const cryptoRandoms = new WeakSet<Random>()

/**
 * Creates a random source: a seeded sfc32 generator when `seed` is given, else Math.random and Web Crypto (`globalThis.crypto`, in Node 20 and browsers alike).
 * @example
 * const a = createRandom(7), b = createRandom(7)
 * a.int(1, 100) === b.int(1, 100) // true
 */
export function createRandom(seed?: number): Random {
  if (seed === undefined) return createCryptoRandom()
  if (typeof seed !== 'number' || Number.isNaN(seed)) {
    throw new MockWsError(
      'WSM_CONFIG',
      `Failed to create a random source: seed ${String(seed)} is not a number. Pass a number such as 42, or no seed.`,
    )
  }
  return createSeededRandom(seed)
}

/** Tells whether `random` is an unseeded source made by `createRandom()` (backed by Web Crypto). */
export function isCryptoRandom(random: Random): boolean {
  return cryptoRandoms.has(random)
}

function createCryptoRandom(): Random {
  const random: Random = {
    next: Math.random,
    int: (min, max) => intFrom(Math.random, min, max),
    bytes: cryptoBytes,
  }
  cryptoRandoms.add(random)
  return random
}

/** `n` bytes from Web Crypto, whose `getRandomValues` fills at most 65536 bytes a call. */
function cryptoBytes(n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let at = 0; at < n; at += MAX_RANDOM_VALUES_BYTES) globalThis.crypto.getRandomValues(out.subarray(at, at + MAX_RANDOM_VALUES_BYTES))
  return out
}

function createSeededRandom(seed: number): Random {
  // The seed's float64 bits go through splitmix32, so any number (fractions, > 2^32) seeds fully.
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, seed)
  let mix = (view.getUint32(0) ^ Math.imul(view.getUint32(4), 0x9e3779b9)) >>> 0
  const splitmix = (): number => {
    mix = (mix + 0x9e3779b9) | 0
    let z = mix
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad)
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97)
    return (z ^ (z >>> 15)) >>> 0
  }
  let a = splitmix()
  let b = splitmix()
  let c = splitmix()
  let d = splitmix()

  // sfc32: small, fast, passes PractRand; 32-bit output per call.
  const next32 = (): number => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return t >>> 0
  }
  for (let i = 0; i < SFC32_WARMUP_ROUNDS; i++) next32()

  // 53 bits per float, so int() stays unbiased over wide ranges.
  const next = (): number => ((next32() >>> 5) * TWO_POW_26 + (next32() >>> 6)) / TWO_POW_53
  return {
    seed,
    next,
    int: (min, max) => intFrom(next, min, max),
    bytes: (n) => {
      const out = new Uint8Array(n)
      let i = 0
      while (i < n) {
        let word = next32()
        for (let k = 0; k < 4 && i < n; k++, i++) {
          out[i] = word & 0xff
          word >>>= 8
        }
      }
      return out
    },
  }
}

function intFrom(next: () => number, min: number, max: number): number {
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max)) {
    throw new MockWsError(
      'WSM_CONFIG',
      `Failed to draw a random integer: bounds ${min} and ${max} are not both safe integers. Pass whole numbers, e.g. int(1, 6).`,
    )
  }
  if (min > max) {
    throw new MockWsError(
      'WSM_CONFIG',
      `Failed to draw a random integer: min ${min} is greater than max ${max}. Pass min <= max, e.g. int(${max}, ${min}).`,
    )
  }
  // The clamp guards the float rounding of next() * range up to range on spans near 2^53.
  return Math.min(max, min + Math.floor(next() * (max - min + 1)))
}
