import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, test } from 'vitest'
import { MockWsError } from '../../src/errors.js'
import { toMswHandler } from '../../src/integrations/msw.js'
import { startWithLatency } from '../../src/latency/start.js'
import { Scenario } from '../../src/scenario/scenario.js'
import { mockWs } from '../../src/server/builder.js'
import { closeAllMocks, liveMockCount } from '../../src/server/registry.js'
import { OPTION_NAMES, optionProblems, resolveOptions } from '../../src/server/options.js'
import { router, routerWithLatency } from '../../src/server/router.js'
import { serveFromEnv } from '../../src/server/serve-from-env.js'
import { leakableResources } from '../support/client.js'

afterEach(() => closeAllMocks())

function thrown(fn: () => unknown): MockWsError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(MockWsError)
    return error as MockWsError
  }
  throw new Error('nothing was thrown')
}

async function rejected(promise: PromiseLike<unknown>): Promise<MockWsError> {
  const error = await Promise.resolve(promise).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(MockWsError)
  return error as MockWsError
}

describe('resolveOptions', () => {
  test('reports every bad option in one WSM_CONFIG error', () => {
    const error = thrown(() => resolveOptions({ speed: Number.NaN, timeoutMs: 0, port: -1 }))
    expect(error.code).toBe('WSM_CONFIG')
    expect(error.message).toMatchInlineSnapshot(`"Failed to start mock: 3 invalid options: port must be an integer from 0 to 65535 (got -1); timeoutMs must be a finite number > 0 (got 0); speed must be a finite number > 0 (got NaN). Fix them, or leave them out for the defaults (docs/fixtures.md#options)."`)
  })

  test('refuses the values that used to disable timeouts or divide by zero', () => {
    for (const speed of [0, -1, Number.NaN, Infinity]) expect(optionProblems({ speed })).toEqual([`speed must be a finite number > 0 (got ${speed})`])
    for (const timeoutMs of [0, -1, Number.NaN, Infinity]) expect(optionProblems({ timeoutMs })).toEqual([`timeoutMs must be a finite number > 0 (got ${timeoutMs})`])
  })

  test('checks every option of MockWsOptions', () => {
    const bad = {
      port: 70000,
      strictPort: 'yes',
      host: '',
      path: 'ws',
      expandTemplates: 1,
      seed: Number.NaN,
      now: 5,
      strict: 'true',
      unexpected: 'warn',
      timeoutMs: -5,
      maxPayload: 0,
      protocols: ['a b'],
      speed: Infinity,
      maxTranscript: 1.5,
      observers: {},
      telemetry: null,
      httpHandler: 'x',
      clock: 'slow',
    } as never
    const error = thrown(() => resolveOptions(bad))
    expect(error.message).toMatchInlineSnapshot(`"Failed to start mock: 18 invalid options: port must be an integer from 0 to 65535 (got 70000); strictPort must be true or false (got "yes"); host must be a non-empty host name or address (got ""); path must start with "/" (or be "*" for any path) (got "ws"); expandTemplates must be true or false (got 1); seed must be a finite number (got NaN); now must be a function (got 5); strict must be true or false (got "true"); unexpected must be 'fail' or 'ignore' (got "warn"); timeoutMs must be a finite number > 0 (got -5); maxPayload must be an integer > 0 (got 0); protocols must be an array of subprotocol names (letters, digits and !#$%&'*+-.^_\`|~, no spaces or commas) (got an array); speed must be a finite number > 0 (got Infinity); maxTranscript must be an integer > 0 (got 1.5); observers must be an array of observer objects (got object); telemetry must be true or false (got null); httpHandler must be a function (got "x"); clock must be 'real' or 'fake' (got "slow"). Fix them, or leave them out for the defaults (docs/fixtures.md#options)."`)
  })

  test('sets every default in one place', () => {
    const resolved = resolveOptions({})
    expect(resolved).toEqual({
      port: 0,
      strictPort: false,
      host: '127.0.0.1',
      path: '/ws',
      expandTemplates: true,
      strict: false,
      unexpected: 'ignore',
      timeoutMs: 5000,
      speed: 1,
      telemetry: true,
      maxRegexInput: 2000,
      clock: 'real',
    })
    expect(resolveOptions({ strict: true }).unexpected).toBe('fail')
    expect(resolveOptions({ strict: true, unexpected: 'ignore' }).unexpected).toBe('ignore')
  })
})

describe('every entry point validates before anything listens', () => {
  test('mockWs() rejects and leaves no server behind', async () => {
    const before = leakableResources().servers
    const error = await rejected(mockWs({ speed: 0, timeoutMs: Number.NaN }).send('hi'))
    expect(error.code).toBe('WSM_CONFIG')
    expect(error.message).toMatch(/^Failed to start mock: 2 invalid options: timeoutMs must be a finite number > 0 \(got NaN\); speed must be a finite number > 0 \(got 0\)\./)
    expect(liveMockCount()).toBe(0)
    expect(leakableResources().servers).toBe(before)
  })

  test('replay(…, { speed }) is checked too', async () => {
    const error = await rejected(mockWs().replay('{"ts":0,"dir":"out","text":"a"}', { speed: -1 }))
    expect(error.message).toContain('speed must be a finite number > 0 (got -1)')
  })

  test('router(), routerWithLatency() throw at once, naming what failed', () => {
    expect(thrown(() => router({ timeoutMs: -1, path: 'x' })).message).toMatchInlineSnapshot(`"Failed to create the router: 2 invalid options: path must start with "/" (or be "*" for any path) (got "x"); timeoutMs must be a finite number > 0 (got -1). Fix them, or leave them out for the defaults (docs/fixtures.md#options)."`)
    expect(thrown(() => routerWithLatency('4g', { speed: 0 })).message).toContain('speed must be a finite number > 0 (got 0)')
  })

  test('toMswHandler() rejects before a handler exists', async () => {
    const error = await rejected(toMswHandler('wss://chat.example/ws', new Scenario().send('hi'), { timeoutMs: 0, unexpected: 'no' as never }))
    expect(error.message).toMatchInlineSnapshot(`"Failed to create the MSW handler: 2 invalid options: unexpected must be 'fail' or 'ignore' (got "no"); timeoutMs must be a finite number > 0 (got 0). Fix them, or leave them out for the defaults (docs/fixtures.md#options)."`)
  })

  test('serveFromEnv() and startWithLatency() reject before listening', async () => {
    const before = leakableResources().servers
    expect((await rejected(serveFromEnv({}, { port: 0, speed: Number.NaN }))).message).toContain('speed must be a finite number > 0 (got NaN)')
    expect((await rejected(startWithLatency(0, '4g', { timeoutMs: -1 }))).message).toContain('timeoutMs must be a finite number > 0 (got -1)')
    expect(leakableResources().servers).toBe(before)
  })
})

describe('per-step values are checked at the call', () => {
  test('delay() and a step timeoutMs', () => {
    expect(thrown(() => mockWs().delay(Number.NaN)).message).toMatchInlineSnapshot(`"Failed to add delay(NaN) to the scenario: ms must be a finite number >= 0. Pass a duration in milliseconds, e.g. delay(100)."`)
    expect(thrown(() => mockWs().delay(Infinity)).code).toBe('WSM_SCENARIO')
    expect(thrown(() => new Scenario().expect('a', { timeoutMs: 0 })).message).toMatchInlineSnapshot(`"Failed to add expect("a") to the scenario: timeoutMs is 0; it must be a finite number > 0. Pass a duration in milliseconds, or leave it out to use the mock default."`)
    expect(thrown(() => mockWs().waitFor('a', { timeoutMs: Infinity })).code).toBe('WSM_SCENARIO')
  })
})

describe('docs/fixtures.md', () => {
  const doc = readFileSync(new URL('../../docs/fixtures.md', import.meta.url), 'utf8')

  test('the options table lists every option, with the defaults resolveOptions sets', () => {
    const options = doc.slice(doc.indexOf('## Options'), doc.indexOf('### Validation'))
    const rows = [...options.matchAll(/^\| `(\w+)` \| ([^|]+) \|/gm)].map((m) => [m[1] as string, (m[2] as string).trim()] as const)
    const table = new Map(rows.filter(([name]) => (OPTION_NAMES as readonly string[]).includes(name)))
    expect([...table.keys()].sort()).toEqual([...OPTION_NAMES].sort())
    const resolved = resolveOptions({}) as unknown as Record<string, unknown>
    for (const name of ['port', 'strictPort', 'host', 'path', 'expandTemplates', 'strict', 'timeoutMs', 'speed', 'telemetry', 'maxRegexInput']) {
      expect(table.get(name as never), name).toBe(`\`${typeof resolved[name] === 'string' ? resolved[name] : String(resolved[name])}\``)
    }
    expect(table.get('clock')).toBe(`\`'${String(resolved.clock)}'\``)
  })

  test('every option has a validation rule documented, and the example message is the one thrown', () => {
    const rules = doc.slice(doc.indexOf('### Validation'), doc.indexOf('## `MockWs`'))
    for (const name of OPTION_NAMES) expect(rules, name).toContain(`\`${name}\``)
    const shown = rules.split('\n').find((l) => l.startsWith('Failed to start mock:'))
    expect(shown).toBe(thrown(() => resolveOptions({ speed: Number.NaN, timeoutMs: 0, port: -1 })).message)
  })
})
