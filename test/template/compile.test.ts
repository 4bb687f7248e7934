import { describe, expect, it } from 'vitest'
import { TemplateError } from '../../src/errors.js'
import { compileTemplate, findTemplateIssues } from '../../src/template/compile.js'
import { createTemplateContext } from '../../src/template/context.js'
import { createRandom } from '../../src/template/random.js'
import { cpuMsSince } from '../support/cpu-time.js'

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const T0 = Date.UTC(2024, 0, 15, 12, 0, 0)
const SAMPLES = 5000

const render = (text: string, opts: Parameters<typeof createTemplateContext>[0] = {}): string =>
  compileTemplate(text).render(createTemplateContext(opts))

function compileError(text: string): TemplateError {
  try {
    compileTemplate(text)
  } catch (error) {
    if (error instanceof TemplateError) return error
    throw error
  }
  throw new Error(`expected ${text} to fail`)
}

describe('{{uuid}}', () => {
  it('renders a fresh v4 uuid for every occurrence and every render', () => {
    for (const seed of [undefined, 42]) {
      const template = compileTemplate('{{uuid}} {{uuid}}')
      const ctx = createTemplateContext({ seed })
      const [a, b] = template.render(ctx).split(' ')
      const [c, d] = template.render(ctx).split(' ')
      for (const id of [a, b, c, d]) expect(id).toMatch(UUID_V4)
      expect(new Set([a, b, c, d]).size).toBe(4)
    }
  })

  it('is reproducible under a seed and differs between seeds', () => {
    const text = '{{uuid}}|{{uuid}}'
    expect(render(text, { seed: 7 })).toBe(render(text, { seed: 7 }))
    expect(render(text, { seed: 7 })).not.toBe(render(text, { seed: 8 }))
  })

  it('draws from any custom Random through bytes()', () => {
    const custom = createRandom(3)
    const ctx = createTemplateContext({ random: { next: custom.next, int: custom.int, bytes: custom.bytes } })
    expect(compileTemplate('{{uuid}}').render(ctx)).toBe(render('{{uuid}}', { seed: 3 }))
  })
})

describe('{{now}}', () => {
  it('renders the injected clock as RFC 3339 in UTC', () => {
    const out = render('{{now}}', { now: () => T0 })
    expect(out).toBe(new Date(T0).toISOString())
    expect(out).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
  })

  it.each([
    ['{{now+1m}}', 60_000],
    ['{{now-30s}}', -30_000],
    ['{{now+2h}}', 2 * 3_600_000],
    ['{{now+1d}}', 86_400_000],
    ['{{now-7d}}', -7 * 86_400_000],
    ['{{now+0s}}', 0],
    ['{{now+90s}}', 90_000],
    ['{{ now - 15m }}', -15 * 60_000],
  ])('%s shifts the clock by %d ms', (text, offset) => {
    expect(render(text, { now: () => T0 })).toBe(new Date(T0 + offset).toISOString())
  })

  it('reads the clock at every render', () => {
    let t = T0
    const template = compileTemplate('{{now+1m}}')
    const ctx = createTemplateContext({ now: () => t })
    const first = template.render(ctx)
    t += 5000
    expect(Date.parse(template.render(ctx)) - Date.parse(first)).toBe(5000)
  })
})

describe('{{randInt}} and {{randFloat}}', () => {
  it('keeps randInt inside inclusive bounds and reaches both ends', () => {
    for (const [min, max] of [[1, 6], [-10, -5], [-2, 2], [3, 3]] as const) {
      const template = compileTemplate(`{{randInt ${min} ${max}}}`)
      const ctx = createTemplateContext({ seed: min * 31 + max })
      const seen = new Set<number>()
      for (let i = 0; i < SAMPLES; i++) {
        const text = template.render(ctx)
        expect(text).toMatch(/^-?\d+$/)
        const v = Number(text)
        expect(v).toBeGreaterThanOrEqual(min)
        expect(v).toBeLessThanOrEqual(max)
        seen.add(v)
      }
      expect(seen.size).toBe(max - min + 1)
    }
  })

  it('keeps randFloat inside its bounds, negatives and decimals included', () => {
    for (const [min, max] of [[0, 1], [-2.5, -0.5], [-1, 1e3]] as const) {
      const template = compileTemplate(`{{randFloat ${min} ${max}}}`)
      const ctx = createTemplateContext()
      const values = Array.from({ length: SAMPLES }, () => Number(template.render(ctx)))
      expect(values.every((v) => Number.isFinite(v) && v >= min && v < max)).toBe(true)
      expect(new Set(values).size).toBeGreaterThan(SAMPLES * 0.99)
    }
    expect(render('{{randFloat 2.5 2.5}}')).toBe('2.5')
  })

  it('gives the same numbers for the same seed and different ones for different seeds', () => {
    const text = '{{randInt 1 1000000}},{{randFloat 0 1}},{{uuid}}'
    const run = (seed: number): string[] => {
      const template = compileTemplate(text)
      const ctx = createTemplateContext({ seed })
      return Array.from({ length: 5 }, () => template.render(ctx))
    }
    expect(run(42)).toEqual(run(42))
    expect(run(42)).not.toEqual(run(43))
  })
})

describe('context tokens', () => {
  it('counts {{seq}} per context from 1, across occurrences and renders', () => {
    const template = compileTemplate('{{seq}}-{{seq}}')
    const a = createTemplateContext()
    const b = createTemplateContext()
    expect(template.render(a)).toBe('1-2')
    expect(template.render(a)).toBe('3-4')
    expect(template.render(b)).toBe('1-2')
  })

  it('renders {{lastMessage}}, or nothing before any message', () => {
    expect(render('echo: {{lastMessage}}', { lastMessage: '{"type":"ping"}' })).toBe('echo: {"type":"ping"}')
    expect(render('echo: {{lastMessage}}')).toBe('echo: ')
  })

  it('renders {{match.NAME}} from captured groups, or nothing when absent', () => {
    const groups = /^join (?<room>\w+)$/.exec('join lobby')?.groups
    expect(render('{"room":"{{match.room}}"}', { match: groups })).toBe('{"room":"lobby"}')
    expect(render('[{{match.other}}]', { match: groups })).toBe('[]')
    expect(render('[{{match.room}}]')).toBe('[]')
    expect(render('[{{match.constructor}}]', { match: { room: 'x' } })).toBe('[]')
  })
})

describe('syntax', () => {
  it('allows whitespace inside the braces', () => {
    expect(render('{{ seq }}|{{  lastMessage\t}}|{{ randInt  4   4 }}', { lastMessage: 'hi' })).toBe('1|hi|4')
    expect(render('{{ uuid }}')).toMatch(UUID_V4)
  })

  it('leaves text without tokens alone and marks it static', () => {
    for (const text of ['', 'plain', '{"a":{"b":1}}', 'a }} b', 'open {{ never closed', '{', '{{']) {
      const template = compileTemplate(text)
      expect(template.isStatic).toBe(true)
      expect(template.tokens).toEqual([])
      expect(template.render(createTemplateContext())).toBe(text)
    }
  })

  it('keeps an unclosed {{ literal and still expands later tokens', () => {
    expect(render('a {{ b {{seq}}')).toBe('a {{ b 1')
    expect(render('{{seq}} and {{ open')).toBe('1 and {{ open')
  })

  it('turns \\{{ into a literal {{', () => {
    const template = compileTemplate('\\{{uuid}} is written as-is, {{seq}} is not')
    expect(template.render(createTemplateContext())).toBe('{{uuid}} is written as-is, 1 is not')
    const onlyEscapes = compileTemplate('use \\{{seq}}')
    expect(onlyEscapes.isStatic).toBe(false)
    expect(onlyEscapes.render(createTemplateContext())).toBe('use {{seq}}')
    expect(findTemplateIssues('\\{{nope}}')).toEqual([])
  })

  it('starts a token at the last {{ of a brace run', () => {
    expect(render('{{{seq}}}')).toBe('{1}')
    expect(render('{"n":{{seq}}}')).toBe('{"n":1}')
  })

  it('reports tokens, isStatic and usesFaker', () => {
    const template = compileTemplate('x {{uuid}} {{ now+1m }} {{faker.person.firstName}}')
    expect(template.isStatic).toBe(false)
    expect(template.usesFaker).toBe(true)
    expect(template.tokens).toEqual([
      { kind: 'uuid', raw: '{{uuid}}', index: 2 },
      { kind: 'now', raw: '{{ now+1m }}', index: 11 },
      { kind: 'faker', raw: '{{faker.person.firstName}}', index: 24 },
    ])
    expect(compileTemplate('{{seq}}').usesFaker).toBe(false)
  })
})

describe('errors', () => {
  it('throws TemplateError with the offset of the {{ and the token', () => {
    const error = compileError('{"id":"{{nope}}"}')
    expect(error).toBeInstanceOf(TemplateError)
    expect(error.code).toBe('WSM_TEMPLATE')
    expect(error.index).toBe(7)
    expect(error.token).toBe('{{nope}}')
  })

  it('pins the message of each kind of bad token', () => {
    expect(compileError('{{nope}}').message).toMatchInlineSnapshot(`"Failed to compile template: unknown token {{nope}} at offset 0. Known tokens: {{uuid}}, {{now}}, {{now+30s}} / {{now-1d}} (s, m, h, d), {{randInt MIN MAX}}, {{randFloat MIN MAX}}, {{seq}}, {{lastMessage}}, {{match.NAME}}, {{faker.MODULE.METHOD}}; write \\{{ for a literal {{."`)
    expect(compileError('{{UUID}}').message).toMatchInlineSnapshot(`"Failed to compile template: unknown token {{UUID}} at offset 0. Did you mean {{uuid}}? Known tokens: {{uuid}}, {{now}}, {{now+30s}} / {{now-1d}} (s, m, h, d), {{randInt MIN MAX}}, {{randFloat MIN MAX}}, {{seq}}, {{lastMessage}}, {{match.NAME}}, {{faker.MODULE.METHOD}}; write \\{{ for a literal {{."`)
    expect(compileError('{{}}').message).toMatchInlineSnapshot(`"Failed to compile template: empty token {{}} at offset 0. Known tokens: {{uuid}}, {{now}}, {{now+30s}} / {{now-1d}} (s, m, h, d), {{randInt MIN MAX}}, {{randFloat MIN MAX}}, {{seq}}, {{lastMessage}}, {{match.NAME}}, {{faker.MODULE.METHOD}}; write \\{{ for a literal {{."`)
    expect(compileError('{{randInt 5 1}}').message).toMatchInlineSnapshot(`"Failed to compile template: {{randInt 5 1}} at offset 0 has MIN 5 greater than MAX 1. Swap the bounds: {{randInt 1 5}}."`)
    expect(compileError('{{randInt a b}}').message).toMatchInlineSnapshot(`"Failed to compile template: {{randInt a b}} at offset 0 needs two integers MIN MAX. Write e.g. {{randInt 1 100}}; negative bounds are allowed."`)
    expect(compileError('{{randInt 1}}').message).toMatchInlineSnapshot(`"Failed to compile template: {{randInt 1}} at offset 0 needs two integers MIN MAX. Write e.g. {{randInt 1 100}}; negative bounds are allowed."`)
    expect(compileError('{{randInt 1 99999999999999999999}}').message).toMatchInlineSnapshot(`"Failed to compile template: {{randInt 1 99999999999999999999}} at offset 0 has a bound outside the representable range. Use bounds between -9007199254740991 and 9007199254740991, e.g. {{randInt 1 100}}."`)
    expect(compileError('{{randFloat 2 1.5}}').message).toMatchInlineSnapshot(`"Failed to compile template: {{randFloat 2 1.5}} at offset 0 has MIN 2 greater than MAX 1.5. Swap the bounds: {{randFloat 1.5 2}}."`)
    expect(compileError('{{randFloat x 1}}').message).toMatchInlineSnapshot(`"Failed to compile template: {{randFloat x 1}} at offset 0 needs two numbers MIN MAX. Write e.g. {{randFloat 0 1.5}}; negative bounds are allowed."`)
    expect(compileError('{{now+5x}}').message).toMatchInlineSnapshot(`"Failed to compile template: {{now+5x}} at offset 0 has a bad time offset. Write now, then + or -, a whole number and one of s, m, h, d, e.g. {{now+30s}} or {{now-2h}}."`)
    expect(compileError('{{now+1.5h}}').message).toMatchInlineSnapshot(`"Failed to compile template: {{now+1.5h}} at offset 0 has a bad time offset. Write now, then + or -, a whole number and one of s, m, h, d, e.g. {{now+30s}} or {{now-2h}}."`)
    expect(compileError('{{match.}}').message).toMatchInlineSnapshot(`"Failed to compile template: {{match.}} at offset 0 needs a group name. Write {{match.NAME}} where NAME is a named group (?<NAME>...) of the last waitFor/match regex, e.g. {{match.id}}."`)
    expect(compileError('{{match.1st}}').message).toMatchInlineSnapshot(`"Failed to compile template: {{match.1st}} at offset 0 has an invalid group name "1st". Write {{match.NAME}} where NAME is a named group (?<NAME>...) of the last waitFor/match regex, e.g. {{match.id}}."`)
    expect(compileError('{{faker.}}').message).toMatchInlineSnapshot(`"Failed to compile template: {{faker.}} at offset 0 needs a faker path MODULE.METHOD. Write e.g. {{faker.person.fullName}} or {{faker.internet.email}}."`)
    expect(compileError('{{faker.person.__proto__}}').message).toMatchInlineSnapshot(`"Failed to compile template: {{faker.person.__proto__}} at offset 0 uses the reserved name "__proto__". Write e.g. {{faker.person.fullName}} or {{faker.internet.email}}."`)
  })

  it('shortens very long tokens in messages', () => {
    const error = compileError(`{{${'x'.repeat(500)}}}`)
    expect(error.message.length).toBeLessThan(600)
    expect(error.token).toHaveLength(504)
  })

  it('never leaves a bad token in or turns it into 0', () => {
    for (const text of ['{{nope}}', '{{randInt}}', '{{now+}}', '{{seq 1}}']) {
      expect(() => compileTemplate(text)).toThrow(TemplateError)
    }
  })
})

describe('findTemplateIssues', () => {
  it('lists every bad token with its offset', () => {
    const issues = findTemplateIssues('{{nope}} ok {{seq}} {{randInt 5 1}} {{match.}}')
    expect(issues.map((i) => [i.index, i.token])).toEqual([
      [0, '{{nope}}'],
      [20, '{{randInt 5 1}}'],
      [36, '{{match.}}'],
    ])
    expect(issues[1]?.message).toMatchInlineSnapshot(`"{{randInt 5 1}} has MIN 5 greater than MAX 1. Swap the bounds: {{randInt 1 5}}."`)
  })

  it('returns nothing for a valid template', () => {
    expect(findTemplateIssues('{{uuid}} {{now-1d}} {{seq}} \\{{x}} {{ open')).toEqual([])
  })
})

describe('scanning cost', () => {
  it('stays linear on long runs of braces', () => {
    const text = `${'{'.repeat(200_000)}seq}}`
    const started = process.cpuUsage()
    expect(render(text)).toBe(`${'{'.repeat(199_998)}1`)
    // Quadratic scanning would take minutes here; linear takes milliseconds of CPU even on a slow machine.
    expect(cpuMsSince(started)).toBeLessThan(2000)
  })
})
