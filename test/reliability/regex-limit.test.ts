import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_MAX_REGEX_INPUT } from '../../src/constants.js'
import { ReplayParseError } from '../../src/errors.js'
import { closeAllMocks, mockWs } from '../../src/index.js'
import { connectClient } from '../support/client.js'
import { SERVED_WITHIN_MS } from './support.js'

afterEach(() => closeAllMocks())

describe('polynomial regexes (item 4)', () => {
  it.each([
    ['^.*.*.*.*.*.*.*.*.*.*x', 10],
    ['\\d+'.repeat(10), 11],
    ['(?:a|x)*'.repeat(7), 8],
  ])('%s (over 3 s on 41 characters before) is refused at load with file:line:column', async (source, degree) => {
    const line = JSON.stringify({ ts: 0, dir: 'out', waitFor: source, text: 'matched' })
    const error = await Promise.resolve(mockWs().replay(line)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ReplayParseError)
    const issue = (error as ReplayParseError).issues[0]
    expect(issue?.line).toBe(1)
    expect(issue?.message).toContain(`can backtrack polynomially: it is the 3rd of ${degree} unbounded parts`)
  })

  it('pins the message a user reads', async () => {
    const error = await Promise.resolve(mockWs().replay('{"ts":0,"dir":"in","match":"^.*.*.*x"}')).catch((e: unknown) => e)
    const message = (error as Error).message
    expect(message).toMatchInlineSnapshot(`
      "Failed to load replay <inline>: 1 problem found.
        <inline>:1:34: "match" regex /.*/ can backtrack polynomially: it is the 3rd of 3 unbounded parts that can all match "a" (a pattern without ^ is tried at every offset, which counts as one), so a non-matching message of n characters costs about n^3 steps. Merge adjacent repetitions (e.g. /\\d+\\d+/ → /\\d{2,}/, /.*.*/ → /.*/), anchor the pattern with ^, or separate the parts with a character they cannot match"
    `)
  })

  it(`a quadratic regex is not run on a message over maxRegexInput (${DEFAULT_MAX_REGEX_INPUT}): not matched, a failure says why`, async () => {
    const ws = await mockWs().replay('{"ts":0,"dir":"out","waitFor":"\\\\d+x","text":"matched"}')
    const client = await connectClient(ws.url)
    client.send(`${'1'.repeat(DEFAULT_MAX_REGEX_INPUT)}x`)
    const other = await connectClient(ws.url)
    other.send(`${'1'.repeat(DEFAULT_MAX_REGEX_INPUT - 1)}x`)
    // The message at the limit is matched; the one over it is not.
    expect(await other.next()).toBe('matched')
    await expect(client.next(200)).rejects.toThrow(/Timed out/)
    expect(ws.failures).toHaveLength(1)
    expect(ws.failures[0]).toMatchObject({ connection: 1, kind: 'unexpected-message', expected: 'waitFor /\\d+x/' })
    expect(ws.failures[0]?.actual).toBe(
      `a message of ${DEFAULT_MAX_REGEX_INPUT + 1} characters is longer than maxRegexInput (${DEFAULT_MAX_REGEX_INPUT}), so the quadratic regex /\\d+x/ was not run on it; raise maxRegexInput, anchor the pattern with ^, or match with a JSON subset or a predicate`,
    )
    await client.close()
    await other.close()
  })

  it('maxRegexInput is configurable, and linear patterns run on any length', async () => {
    const ws = await mockWs({ maxRegexInput: 10 }).replay(['{"ts":0,"dir":"in","match":"\\\\d+x"}', '{"ts":0,"dir":"in","match":"^a+$"}', '{"ts":0,"dir":"out","text":"done"}'].join('\n'))
    const client = await connectClient(ws.url)
    client.send('12345678901x')
    client.send('123x')
    client.send('a'.repeat(100_000))
    expect(await client.next()).toBe('done')
    expect(ws.failures.map((f) => f.actual)).toEqual([expect.stringContaining('a message of 12 characters is longer than maxRegexInput (10)')])
    await client.close()
  })

  it('the slowest accepted shape on an adversarial message at the limit leaves the loop free for others', async () => {
    const ws = await mockWs().replay('{"ts":0,"dir":"out","waitFor":"(?:a|x)*y","text":"matched"}')
    const attacker = await connectClient(ws.url)
    const other = await connectClient(ws.url)
    const start = performance.now()
    for (let i = 0; i < 5; i++) attacker.send('a'.repeat(DEFAULT_MAX_REGEX_INPUT))
    other.send('y')
    expect(await other.next()).toBe('matched')
    expect(performance.now() - start).toBeLessThan(SERVED_WITHIN_MS)
    await attacker.close()
    await other.close()
  })
})
