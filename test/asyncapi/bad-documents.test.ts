import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { AsyncApiError, liveMockCount, MockWsError, mockWs } from '../../src/index.js'
import { watchLeaks } from '../support/leaks.js'

// The first parse of a document in a process takes seconds on a loaded machine (bench/asyncapi.bench.mjs).
const PARSE_TIMEOUT_MS = 90_000

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/asyncapi/${name}`, import.meta.url))

/** Starts a mock that must fail; returns the error after checking that nothing was left listening. */
async function failToStart(build: PromiseLike<unknown>): Promise<AsyncApiError> {
  const leaks = watchLeaks()
  const before = liveMockCount()
  const error = await Promise.resolve(build).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(AsyncApiError)
  expect(liveMockCount()).toBe(before)
  await leaks.expectNone()
  return error as AsyncApiError
}

describe('bad AsyncAPI documents fail before anything listens, with the parser diagnostics', { timeout: PARSE_TIMEOUT_MS }, () => {
  test('invalid YAML: file:line:column of each syntax error', async () => {
    const file = fixture('bad-yaml.yaml')
    const error = await failToStart(mockWs().asyncApi(file))
    expect(error.code).toBe('WSM_ASYNCAPI')
    expect(error.message.split('\n')[0]).toMatch(/^Failed to load AsyncAPI document .*bad-yaml\.yaml: \d+ problems found\.$/)
    expect(error.diagnostics.some((d) => d.code === 'parser' && d.line === 4 && d.message.includes('Bad indentation'))).toBe(true)
    expect(error.message).toContain(`${file}:4:`)
  })

  test('not an AsyncAPI document', async () => {
    const error = await failToStart(mockWs().asyncApi(fixture('openapi.yaml')))
    expect(error.diagnostics).toEqual([
      { file: fixture('openapi.yaml'), line: 1, column: 1, message: 'This is not an AsyncAPI document. The "asyncapi" field as string is missing.', code: 'asyncapi-is-asyncapi' },
    ])
  })

  test('unsupported version', async () => {
    const error = await failToStart(mockWs().asyncApi(fixture('version-1.yaml')))
    expect(error.message).toContain('Version "1.2.0" is not supported')
  })

  test('unknown channel: the known ones are listed; several channels and none chosen: the same list', async () => {
    const unknown = await failToStart(mockWs().asyncApi(fixture('two-channels.yaml'), { channel: 'trades' }))
    expect(unknown.message).toBe(`Failed to use AsyncAPI document ${fixture('two-channels.yaml')}: it has no channel "trades". Known channels: "prices", "orders".`)
    const unchosen = await failToStart(mockWs().asyncApi(fixture('two-channels.yaml')))
    expect(unchosen.message).toBe(
      `Failed to use AsyncAPI document ${fixture('two-channels.yaml')}: it has 2 channels ("prices", "orders"). Choose one with { channel } (CLI: --channel).`,
    )
  })

  test('unknown server, missing file, broken $ref', async () => {
    const server = await failToStart(mockWs().asyncApi(fixture('two-channels.yaml'), { channel: 'prices', server: 'prod' }))
    expect(server.message).toContain('it has no server "prod". It has no servers.')
    const missing = await failToStart(mockWs().asyncApi(fixture('nope.yaml')))
    expect(missing.message).toBe(`Failed to load AsyncAPI document ${fixture('nope.yaml')}: no such file. Pass the path of a YAML or JSON AsyncAPI document.`)
    const ref = await failToStart(
      mockWs().asyncApi({ asyncapi: '3.0.0', info: { title: 'x', version: '1' }, channels: { a: { address: '/a', messages: { m: { $ref: '#/components/messages/nope' } } } } }),
    )
    expect(ref.message).toContain("'#/components/messages/nope' does not exist (at channels.a.messages.m.$ref)")
  })

  test('bad options are refused when asyncApi() is called, all together', () => {
    expect(() => mockWs().asyncApi('x.yaml', { validate: 'loud' as 'fail', path: 'no-slash', colour: 1 } as never)).toThrow(MockWsError)
    expect(() => mockWs().asyncApi('x.yaml', { validate: 'loud' as 'fail', path: 'no-slash', colour: 1 } as never)).toThrowErrorMatchingInlineSnapshot(
      `[MockWsError: Failed to configure asyncApi(): unknown option "colour" (known: channel, server, path, validate); path "no-slash" must start with "/"; validate must be one of 'fail', 'warn', 'off', got "loud".]`,
    )
  })
})
