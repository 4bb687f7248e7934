// Seed mixing, once: a user's `seed` option becomes one reproducible 32-bit seed per connection (for
// templates) and per stream (for latency and faults). The values are part of the contract: the same
// seed gives the same frames on every transport and in every release, so these formulas never change.

/**
 * Derives a distinct, reproducible template seed per connection id (`undefined` when no seed is set);
 * `mockWs()`, `router()` and `toMswHandler()` all seed connection N the same way.
 */
export function connectionSeed(seed: number | undefined, id: number): number | undefined {
  if (seed === undefined) return undefined
  return (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(id, 0x85ebca6b)) >>> 0
}

/**
 * Mixes a user's seed with a stream index into a 32-bit seed (murmur3 finalizer), so neighbouring
 * streams (one per connection, per scheduler) are unrelated and none repeats another's.
 */
export function deriveSeed(seed: number, index: number): number {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, seed)
  let h = (view.getUint32(0) ^ Math.imul(view.getUint32(4) ^ (index + 1), 0x85ebca6b)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}
