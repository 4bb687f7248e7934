import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, test } from 'vitest'
import { MockWsError, TemplateError } from '../../src/errors.js'
import { toMswHandler } from '../../src/integrations/msw.js'
import { Scenario } from '../../src/scenario/scenario.js'
import { mockWs } from '../../src/server/builder.js'
import { closeAllMocks, liveMockCount } from '../../src/server/registry.js'
import { compileTemplate } from '../../src/template/compile.js'
import { createTemplateContext } from '../../src/template/context.js'
import { loadFaker } from '../../src/template/faker.js'
import { connectClient } from '../support/client.js'

afterEach(() => closeAllMocks())

function compileError(text: string, faker?: Record<string, unknown>): string {
  try {
    compileTemplate(text, faker ? { faker } : {})
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError)
    return (error as Error).message
  }
  throw new Error(`${text} compiled`)
}

async function startError(start: PromiseLike<unknown>): Promise<MockWsError> {
  const error = await Promise.resolve(start).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(MockWsError)
  return error as MockWsError
}

describe('the faker rule: MODULE.FUNCTION, a data module and one of its own functions, callable without arguments', () => {
  test('refuses helpers, inherited members, functions that need arguments and deeper paths', async () => {
    const faker = await loadFaker(1)
    expect(compileError('{{faker.helpers.arrayElement}}')).toMatchInlineSnapshot(`"Failed to compile template: {{faker.helpers.arrayElement}} at offset 0 names faker.helpers, which holds no data functions a token can call (they need arguments). A token calls MODULE.FUNCTION with no arguments, where MODULE is one of faker's data modules (person, internet, number, …; not helpers) and FUNCTION one of its own functions, e.g. {{faker.person.fullName}}."`)
    expect(compileError('{{faker.person.__defineGetter__}}', faker)).toMatchInlineSnapshot(`"Failed to compile template: {{faker.person.__defineGetter__}} at offset 0 names faker.person.__defineGetter__, which is not a data function of the given faker. A token calls MODULE.FUNCTION with no arguments, where MODULE is one of faker's data modules (person, internet, number, …; not helpers) and FUNCTION one of its own functions, e.g. {{faker.person.fullName}}."`)
    // faker's own message (in the parentheses) depends on its build, so it is left out of the pin.
    expect(compileError('{{faker.date.between}}', faker).replace(/arguments \(.*\)\. A/, 'arguments (…). A')).toMatchInlineSnapshot(`"Failed to compile template: {{faker.date.between}} at offset 0 names faker.date.between, which fails when called without arguments (…). A token calls MODULE.FUNCTION with no arguments, where MODULE is one of faker's data modules (person, internet, number, …; not helpers) and FUNCTION one of its own functions, e.g. {{faker.person.fullName}}."`)
    expect(compileError('{{faker.person.faker}}', faker)).toContain('which is not a data function of the given faker')
    expect(compileError('{{faker.location.city.length}}')).toContain('needs a faker path MODULE.METHOD')
  })

  test('the check at compile time leaves the given faker’s seeded sequence alone', async () => {
    const checked = await loadFaker(7)
    const template = compileTemplate('{{faker.person.fullName}}', { faker: checked })
    const fresh = (await loadFaker(7)) as unknown as { person: { fullName: () => string } }
    expect(template.render(createTemplateContext({ faker: checked }))).toBe(fresh.person.fullName())
  })

  test('inherited members are never called at render, even without a compile-time check', async () => {
    const faker = await loadFaker(1)
    const template = compileTemplate('{{faker.person.__defineGetter__}}')
    expect(() => template.render(createTemplateContext({ faker }))).toThrow(/which is not a data function of the loaded faker/)
  })
})

describe('faker paths are checked when the mock starts, on every path', () => {
  test('builder send()', async () => {
    const error = await startError(mockWs().send('{{faker.person.nope}}'))
    expect(error.message).toMatchInlineSnapshot(`
      "Failed to load replay <scenario>: 1 problem found.
        <scenario>:1:1: {{faker.person.nope}} names faker.person.nope, which is not a data function of the given faker. A token calls MODULE.FUNCTION with no arguments, where MODULE is one of faker's data modules (person, internet, number, …; not helpers) and FUNCTION one of its own functions, e.g. {{faker.person.fullName}}."
    `)
    expect(liveMockCount()).toBe(0)
  })

  test('a Scenario', async () => {
    const error = await startError(mockWs().scenario(new Scenario().send('ok').send('{{faker.date.between}}')))
    expect(error.message).toContain('faker.date.between, which fails when called without arguments')
    expect(liveMockCount()).toBe(0)
  })

  test('an MSW handler', async () => {
    const error = await startError(toMswHandler('wss://chat.example/ws', new Scenario().send('{{faker.helpers.arrayElement}}')))
    expect(error.message).toContain('names faker.helpers, which holds no data functions')
  })

  test('a good path still plays, seeded as before', async () => {
    const ws = await mockWs({ seed: 3 }).send('{{faker.person.firstName}}')
    const client = await connectClient(ws.url)
    const name = await client.next()
    expect(name).toMatch(/^\S+$/)
    await client.close()
  })
})

describe('a render that throws fails that connection, never the process', () => {
  test('send-failed with close 1011 in process; the next connection still works', async () => {
    let calls = 0
    const ws = await mockWs({ now: () => (calls++ === 0 ? Number.NaN : 0) }).send('at {{now}}')
    const first = await connectClient(ws.url)
    expect(await first.closed).toEqual({ code: 1011, reason: 'mockforge-ws: failed to render a message (see the mock failures)' })
    const second = await connectClient(ws.url)
    expect(await second.next()).toBe('at 1970-01-01T00:00:00.000Z')
    await second.close()
    expect(ws.failures.map((f) => [f.kind, f.connection, f.step, f.actual])).toEqual([['send-failed', 1, 1, 'rendering threw RangeError: Invalid time value']])
    expect(ws.failures[0]?.message).toMatchInlineSnapshot(`"step 1 (<scenario>:1): send("at {{now}}"): rendering threw RangeError: Invalid time value"`)
  })

  test('in a child process: no unhandled rejection, the process lives on and exits by itself', async () => {
    const script = fileURLToPath(new URL('./fixtures/render-crash.mjs', import.meta.url))
    const dist = new URL('../../dist/index.js', import.meta.url).href
    const child = spawn(process.execPath, [script, dist], { stdio: 'pipe' })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect({ code, err }).toEqual({ code: 0, err: '' })
    expect(JSON.parse(out)).toEqual({
      first: { code: 1011, reason: 'mockforge-ws: failed to render a message (see the mock failures)', messages: [] },
      second: 'at 1970-01-01T00:00:00.000Z',
      failures: [{ kind: 'send-failed', connection: 1, step: 1, actual: 'rendering threw RangeError: Invalid time value' }],
    })
  })
})
