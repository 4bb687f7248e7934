import { faker as globalFaker } from '@faker-js/faker'
import { describe, expect, it } from 'vitest'
import { MockWsError, TemplateError } from '../../src/errors.js'
import { compileTemplate } from '../../src/template/compile.js'
import { createTemplateContext } from '../../src/template/context.js'
import { expandTokens } from '../../src/template/expand.js'
import { loadFaker, loadFakerFrom } from '../../src/template/faker.js'

const NAMES = '{{faker.person.fullName}}|{{faker.internet.email}}|{{faker.person.fullName}}'

async function renderWithSeed(seed: number, text = NAMES): Promise<string> {
  const faker = await loadFaker(seed)
  return compileTemplate(text, { faker }).render(createTemplateContext({ faker }))
}

describe('{{faker.PATH}}', () => {
  it('calls the faker function at the path, afresh for every occurrence', async () => {
    const [first, email, second] = (await renderWithSeed(1)).split('|')
    expect(first).toMatch(/\S+ \S+/)
    expect(email).toMatch(/^\S+@\S+\.\S+$/)
    expect(second).not.toBe(first)
  })

  it('is reproducible under a seed and differs between seeds', async () => {
    expect(await renderWithSeed(42)).toBe(await renderWithSeed(42))
    expect(await renderWithSeed(42)).not.toBe(await renderWithSeed(43))
  })

  it('returns a fresh instance, not the shared global faker', async () => {
    const faker = await loadFaker(5)
    expect(faker).not.toBe(globalFaker)
    expect(faker).not.toBe(await loadFaker(5))
  })

  it('renders non-string results as text', async () => {
    const faker = await loadFaker(9)
    const ctx = createTemplateContext({ faker })
    expect(compileTemplate('{{faker.number.int}}').render(ctx)).toMatch(/^\d+$/)
    expect(compileTemplate('{{faker.datatype.boolean}}').render(ctx)).toMatch(/^(true|false)$/)
    expect(compileTemplate('{{faker.date.past}}').render(ctx)).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/)
  })

  it('follows the faker of the context when it changes between renders', async () => {
    const template = compileTemplate('{{faker.person.firstName}}')
    const a = await loadFaker(100)
    const b = await loadFaker(200)
    const viaA = template.render(createTemplateContext({ faker: a }))
    const viaB = template.render(createTemplateContext({ faker: b }))
    expect(viaA).toBe(compileTemplate('{{faker.person.firstName}}').render(createTemplateContext({ faker: await loadFaker(100) })))
    expect(viaB).toBe(compileTemplate('{{faker.person.firstName}}').render(createTemplateContext({ faker: await loadFaker(200) })))
  })

  it('works through expandTokens', async () => {
    const faker = await loadFaker(3)
    expect(expandTokens('hi {{faker.person.firstName}}', { faker })).toMatch(/^hi \S+$/)
  })

  it('checks paths at compile time when a faker is given', async () => {
    const faker = await loadFaker()
    expect(() => compileTemplate('x {{faker.person.nope}}', { faker })).toThrowErrorMatchingInlineSnapshot(`[TemplateError: Failed to compile template: {{faker.person.nope}} at offset 2 names faker.person.nope, which is not a data function of the given faker. A token calls MODULE.FUNCTION with no arguments, where MODULE is one of faker's data modules (person, internet, number, …; not helpers) and FUNCTION one of its own functions, e.g. {{faker.person.fullName}}.]`)
    expect(() => compileTemplate('{{faker.person}}', { faker })).toThrow(TemplateError)
    expect(compileTemplate('{{faker.person.nope}}').usesFaker).toBe(true)
  })

  it('fails to render without a loaded faker, or with a path the faker lacks', async () => {
    const template = compileTemplate('{"name":"{{faker.person.fullName}}"}')
    expect(() => template.render(createTemplateContext())).toThrowErrorMatchingInlineSnapshot(`[TemplateError: Failed to render template: {{faker.person.fullName}} at offset 9 needs faker, but none is loaded. Faker must be loaded first: pass \`await loadFaker(seed)\` as the context faker (npm i -D @faker-js/faker).]`)
    const missing = compileTemplate('{{faker.person.nope}}')
    const faker = await loadFaker(1)
    expect(() => missing.render(createTemplateContext({ faker }))).toThrowErrorMatchingInlineSnapshot(`[TemplateError: Failed to render template: {{faker.person.nope}} at offset 0 names faker.person.nope, which is not a data function of the loaded faker. A token calls MODULE.FUNCTION with no arguments, where MODULE is one of faker's data modules (person, internet, number, …; not helpers) and FUNCTION one of its own functions, e.g. {{faker.person.fullName}}.]`)
  })
})

describe('loadFaker', () => {
  it('explains how to install faker when it is missing', async () => {
    const error = await loadFakerFrom('@faker-js/faker-not-installed-here').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MockWsError)
    expect((error as MockWsError).code).toBe('WSM_TEMPLATE')
    expect((error as MockWsError).message).toMatchInlineSnapshot(`"Failed to load @faker-js/faker: it is not installed. Run npm i -D @faker-js/faker"`)
  })
})
