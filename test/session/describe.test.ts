import { describe, expect, it } from 'vitest'
import { describeValue, previewJson, shortenText, showValue } from '../../src/session/describe.js'

describe('describeValue', () => {
  it('names each kind of value', () => {
    expect(describeValue(null)).toBe('null')
    expect(describeValue(undefined)).toBe('undefined')
    expect(describeValue(42)).toBe('42')
    expect(describeValue(false)).toBe('false')
    expect(describeValue(7n)).toBe('7n')
    expect(describeValue('hi')).toBe('the string "hi"')
    expect(describeValue([1, 'a'])).toBe('an array [1,"a"]')
    expect(describeValue({ a: 1 })).toBe('an object {"a":1}')
    expect(describeValue(() => 1)).toBe('function')
    expect(describeValue(Symbol('s'))).toBe('symbol')
  })

  it('cuts long strings and objects at the limit', () => {
    const long = describeValue('x'.repeat(100_000))
    expect(long.startsWith('the string "xxx')).toBe(true)
    expect(long.length).toBe('the string '.length + 40)
    expect(long.endsWith('…')).toBe(true)
    expect(describeValue('x'.repeat(100), 10)).toBe('the string "xxxxxxxx…')
    const big = describeValue(Array.from({ length: 1_000_000 }, (_, i) => i))
    expect(big.length).toBeLessThanOrEqual('an array '.length + 40)
  })

  it('does not overflow the stack on values nested 200,000 deep', () => {
    const depth = 200_000
    const deep = JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`) as unknown
    expect(() => JSON.stringify(deep)).toThrow(RangeError)
    expect(describeValue(deep)).toBe('an array [[[[[[[[[…]]]]]]]]]')
    const deepObject = JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`) as unknown
    expect(describeValue(deepObject)).toMatch(/^an object \{"a":\{"a":.*…$/)
  })

  it('describes cyclic values and throwing getters without throwing', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' }
    cyclic.self = cyclic
    expect(describeValue(cyclic)).toMatch(/^an object \{"name":"loop","self":\{/)
    const hostile = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('getter')
      },
    })
    expect(describeValue(hostile)).toBe('an object {"boom":…}')
    expect(describeValue(Object.create(null) as object)).toBe('an object {}')
  })

  it('previews JSON with a depth and a length bound', () => {
    expect(previewJson(JSON.parse('[[[[[[[[[[1]]]]]]]]]]'))).toBe('[[[[[[[[[…]]]]]]]]]')
    expect(previewJson({ a: 'x'.repeat(100) }, 20)).toBe('{"a":"xxxxxxxxxxxxx…')
  })
})

describe('showValue and shortenText', () => {
  it('shows the compact form used in option and argument errors', () => {
    expect(showValue('yes')).toBe('"yes"')
    expect(showValue(Number.NaN)).toBe('NaN')
    expect(showValue(Infinity)).toBe('Infinity')
    expect(showValue(true)).toBe('true')
    expect(showValue(7n)).toBe('7')
    expect(showValue(null)).toBe('null')
    expect(showValue(undefined)).toBe('undefined')
    expect(showValue([1])).toBe('an array')
    expect(showValue({})).toBe('object')
    expect(showValue(() => 1)).toBe('function')
  })

  it('bounds huge and deep values', () => {
    const shown = showValue('x'.repeat(1_000_000), 60)
    expect(shown.length).toBe(62)
    expect(shown.endsWith('…"')).toBe(true)
    const deep = JSON.parse(`${'['.repeat(200_000)}${']'.repeat(200_000)}`) as unknown
    expect(showValue(deep)).toBe('an array')
  })

  it('cuts text with an ellipsis as its last character', () => {
    expect(shortenText('abcdef', 4)).toBe('abc…')
    expect(shortenText('abcd', 4)).toBe('abcd')
    expect(shortenText('x'.repeat(100)).length).toBe(40)
  })
})
