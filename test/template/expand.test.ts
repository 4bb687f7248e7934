import { describe, expect, it } from 'vitest'
import { TemplateError } from '../../src/errors.js'
import { createTemplateContext } from '../../src/template/context.js'
import { MAX_CACHED_TEMPLATES, expandTokens } from '../../src/template/expand.js'
import { createRandom } from '../../src/template/random.js'

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const T0 = Date.UTC(2024, 0, 1)

describe('expandTokens', () => {
  it('expands every token kind with a default context', () => {
    const small = JSON.parse(expandTokens('{"id":"{{uuid}}","at":"{{now}}"}')) as { id: string; at: string }
    expect(small.id).toMatch(UUID_V4)
    expect(small.at).toMatch(/Z$/)
    const out = JSON.parse(
      expandTokens('{"id":"{{uuid}}","at":"{{now}}","n":{{seq}},"roll":{{randInt 1 6}},"p":{{randFloat 0 1}}}'),
    ) as { id: string; at: string; n: number; roll: number; p: number }
    expect(out.id).toMatch(UUID_V4)
    expect(Math.abs(Date.parse(out.at) - Date.now())).toBeLessThan(60_000)
    expect(out.n).toBe(1)
    expect(out.roll).toBeGreaterThanOrEqual(1)
    expect(out.roll).toBeLessThanOrEqual(6)
    expect(out.p).toBeGreaterThanOrEqual(0)
    expect(out.p).toBeLessThan(1)
  })

  it('takes the clock, last message, groups and seed from the context', () => {
    const ctx = { now: () => T0, lastMessage: 'ping', match: { room: 'lobby' } }
    expect(expandTokens('{{now}} {{now+1m}} {{now-30s}} {{now+2h}} {{now+1d}}', ctx)).toBe(
      '2024-01-01T00:00:00.000Z 2024-01-01T00:01:00.000Z 2023-12-31T23:59:30.000Z 2024-01-01T02:00:00.000Z 2024-01-02T00:00:00.000Z',
    )
    expect(expandTokens('{{lastMessage}} in {{match.room}}', ctx)).toBe('ping in lobby')
    expect(expandTokens('{{uuid}} {{randInt -100 100}}', { seed: 42 })).toBe(expandTokens('{{uuid}} {{randInt -100 100}}', { seed: 42 }))
    expect(expandTokens('{{uuid}}', { seed: 42 })).not.toBe(expandTokens('{{uuid}}', { seed: 43 }))
  })

  it('continues a given sequence and random source instead of starting fresh', () => {
    const ctx = createTemplateContext({ seed: 1 })
    expect(expandTokens('{{seq}},{{seq}}', ctx)).toBe('1,2')
    expect(expandTokens('{{seq}}', ctx)).toBe('3')
    expect(expandTokens('{{seq}}')).toBe('1')
    expect(expandTokens('{{seq}}')).toBe('1')
    let n = 10
    expect(expandTokens('{{seq}}', { nextSeq: () => n++ })).toBe('10')
    const random = createRandom(5)
    const twice = [expandTokens('{{randInt 1 1000000}}', { random }), expandTokens('{{randInt 1 1000000}}', { random })]
    const reference = createRandom(5)
    expect(twice).toEqual([String(reference.int(1, 1_000_000)), String(reference.int(1, 1_000_000))])
  })

  it('returns text without tokens unchanged and resolves escapes', () => {
    expect(expandTokens('{"a":{"b":1}}')).toBe('{"a":{"b":1}}')
    expect(expandTokens('literal \\{{uuid}}')).toBe('literal {{uuid}}')
  })

  it('throws TemplateError for a bad token, every time', () => {
    for (let i = 0; i < 2; i++) {
      expect(() => expandTokens('ok {{nope}}')).toThrow(TemplateError)
    }
    expect(() => expandTokens('ok {{nope}}')).toThrowErrorMatchingInlineSnapshot(`[TemplateError: Failed to compile template: unknown token {{nope}} at offset 3. Known tokens: {{uuid}}, {{now}}, {{now+30s}} / {{now-1d}} (s, m, h, d), {{randInt MIN MAX}}, {{randFloat MIN MAX}}, {{seq}}, {{lastMessage}}, {{match.NAME}}, {{faker.MODULE.METHOD}}; write \\{{ for a literal {{.]`)
  })

  it('keeps working past the cache bound', () => {
    for (let i = 0; i < MAX_CACHED_TEMPLATES * 2; i++) {
      expect(expandTokens(`${i}:{{seq}}`)).toBe(`${i}:1`)
    }
    expect(expandTokens(`${'x'.repeat(100_000)}{{seq}}`)).toHaveLength(100_001)
  })
})

describe('createTemplateContext', () => {
  it('starts its own sequence at 1 and uses the given clock and seed', () => {
    const a = createTemplateContext({ now: () => T0, seed: 9 })
    const b = createTemplateContext()
    expect([a.nextSeq(), a.nextSeq(), b.nextSeq()]).toEqual([1, 2, 1])
    expect(a.now()).toBe(T0)
    expect(a.random.seed).toBe(9)
    expect(b.now).toBe(Date.now)
    expect(b.lastMessage).toBeUndefined()
    expect(b.match).toBeUndefined()
    expect(b.faker).toBeUndefined()
  })
})
