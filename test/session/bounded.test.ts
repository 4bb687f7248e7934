import { describe, expect, test } from 'vitest'
import { trimOldest } from '../../src/session/bounded.js'

describe('trimOldest', () => {
  test('keeps everything up to the limit plus a tenth, then drops back to the newest `limit`', () => {
    const list = Array.from({ length: 110 }, (_, i) => i)
    expect(trimOldest(list, 100)).toBe(0)
    expect(list).toHaveLength(110)
    list.push(110)
    expect(trimOldest(list, 100)).toBe(11)
    expect(list).toHaveLength(100)
    expect(list[0]).toBe(11)
    expect(list.at(-1)).toBe(110)
  })

  test('a limit of 0 empties the list on each push; Infinity never trims', () => {
    const zero = ['a']
    expect(trimOldest(zero, 0)).toBe(1)
    expect(zero).toEqual([])
    const all = Array.from({ length: 1000 }, (_, i) => i)
    expect(trimOldest(all, Infinity)).toBe(0)
    expect(all).toHaveLength(1000)
  })
})
