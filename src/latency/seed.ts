/**
 * Mixes a user's seed with a stream index into a 32-bit seed (murmur3 finalizer), so neighbouring
 * streams (one per connection, per scheduler) are unrelated and none repeats another's.
 * @example
 * createRandom(deriveSeed(42, 0)) // the first connection's stream for seed 42
 */
export function deriveSeed(seed: number, index: number): number {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, seed)
  let h = (view.getUint32(0) ^ Math.imul(view.getUint32(4) ^ (index + 1), 0x85ebca6b)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}
