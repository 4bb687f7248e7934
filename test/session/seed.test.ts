import { describe, expect, it } from 'vitest'
import { connectionSeed, deriveSeed } from '../../src/session/seed.js'

// The values seeded mocks produced before the helpers were shared: a change here changes every seeded
// recording and test of every user, so they are pinned.
describe('seed mixing', () => {
  it('derives the same per-connection template seeds as before', () => {
    expect(connectionSeed(undefined, 1)).toBeUndefined()
    expect(connectionSeed(42, 1)).toBe(1402121850)
    expect(connectionSeed(42, 2)).toBe(3648944357)
    expect(connectionSeed(0, 1)).toBe(1584969584)
    expect(connectionSeed(-1, 7)).toBe(850272823)
    expect(connectionSeed(2 ** 31, 3)).toBe(3931130950)
  })

  it('derives the same per-stream latency seeds as before', () => {
    expect(deriveSeed(42, 0)).toBe(1490847159)
    expect(deriveSeed(42, 1)).toBe(1561883567)
    expect(deriveSeed(0, 0)).toBe(3413276431)
    expect(deriveSeed(1.5, 3)).toBe(4241844899)
    expect(deriveSeed(-7, 2)).toBe(2577324842)
    expect(deriveSeed(2 ** 40, 5)).toBe(2673597260)
  })

  it('gives neighbouring connections unrelated, distinct 32-bit seeds', () => {
    const seeds = new Set<number>()
    for (let id = 1; id <= 10_000; id++) {
      const seed = connectionSeed(7, id) as number
      expect(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32).toBe(true)
      seeds.add(seed)
      seeds.add(deriveSeed(7, id) + 2 ** 32)
    }
    expect(seeds.size).toBe(20_000)
  })
})
