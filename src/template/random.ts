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
}

// STUB: replaced by the template engine work (seeded PRNG + crypto fallback).
export function createRandom(_seed?: number): Random {
  throw new Error('createRandom: not implemented yet')
}
