import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { TemplateError } from '../../src/errors.js'
import { compileTemplate } from '../../src/template/compile.js'
import { expandTokens } from '../../src/template/expand.js'
import { loadFaker } from '../../src/template/faker.js'

// Keeps the faker parts of docs/templates.md honest: the expandTokens example runs, and the
// refusals shown are the messages thrown.
const DOC = readFileSync(new URL('../../docs/templates.md', import.meta.url), 'utf8')

describe('docs/templates.md, faker', () => {
  test('the expandTokens example with a faker runs and is reproducible', async () => {
    const line = DOC.split('\n').find((l) => l.startsWith('expandTokens(') && l.includes('loadFaker'))
    expect(line).toBeDefined()
    const run = new Function('expandTokens', 'loadFaker', `return (async () => ${line as string})()`) as (
      e: typeof expandTokens,
      l: typeof loadFaker,
    ) => Promise<string>
    const first = await run(expandTokens, loadFaker)
    expect(JSON.parse(first)).toEqual({ user: expect.stringMatching(/\S+ \S+/), id: expect.any(Number) })
    expect(await run(expandTokens, loadFaker)).toBe(first)
  })

  test('expandTokens without a faker says how to pass one', () => {
    expect(() => expandTokens('{{faker.person.fullName}}')).toThrow(/pass `await loadFaker\(seed\)` as the context faker/)
  })

  test('the refusals shown are the messages thrown', async () => {
    const faker = await loadFaker(1)
    const shown = DOC.split('\n').filter((l) => l.startsWith('Failed to compile template: {{faker.'))
    expect(shown).toHaveLength(2)
    for (const message of shown) {
      const token = /\{\{faker\.[^}]+\}\}/.exec(message)?.[0] as string
      let thrown: unknown
      try {
        compileTemplate(token, { faker })
      } catch (error) {
        thrown = error
      }
      expect(thrown).toBeInstanceOf(TemplateError)
      expect((thrown as Error).message).toBe(message)
    }
  })
})
