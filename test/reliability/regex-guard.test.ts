import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { ReplayParseError } from '../../src/errors.js'
import { parseReplay } from '../../src/replay/parse.js'
import { findRegexHazard, MAX_REGEX_NESTING } from '../../src/replay/regex-guard.js'
import { jsonSubsetPattern, type JsonSubset } from '../../src/scenario/json-subset.js'
import { Scenario } from '../../src/scenario/scenario.js'
import { closeAllMocks, mockWs } from '../../src/index.js'
import { connectClient } from '../support/client.js'

afterEach(() => closeAllMocks())

const CATASTROPHIC = [
  '(a+)+$',
  '(a*)*b',
  '^(\\d+)*$',
  '(\\w+\\s?)*$',
  '(.|\\s)*$',
  '(a|a)*$',
  '(a|aa)+$',
  '(x+x+)+y',
  '(a{1,5})*$',
  '([a-z]+)*@',
  '(?:a?)+b',
  '(?=(a+)+$)',
  '(\\w|\\d)+$',
  '((ab)*)*c',
  '(a+){10}$',
  '^(([a-z])+.)+[A-Z]([a-z])+$',
  // Unambiguous, but its alternatives share a first character: a documented false positive.
  '(a|ab)*',
]

const EVERYDAY = [
  '^PING$',
  '^\\{"type":"(\\w+)"',
  '^(?<name>\\w+)=(?<value>.*)$',
  '(\\d+,)*\\d+',
  '(\\w+\\s)*\\w+',
  '[a-z]+@[a-z]+\\.com',
  '(ab|cd)*',
  '(\\d+\\.){3}\\d+',
  '"(?:[^"\\\\]|\\\\.)*"',
  '^\\s*\\{[\\s\\S]*"op"\\s*:\\s*"subscribe"',
  'a{',
  '[\\d-z]+',
  '\\cJ+',
  '(?:\\.0+)?',
  '(?:x|y|z)+!',
  '(ab?)*',
  '.*x',
  '^.*.*x',
  '^\\d+\\d+$',
  '"id":(\\d+).*"name"',
]

// Polynomial: each is a chain of three or more unbounded parts that can share one run of a character.
const POLYNOMIAL = ['^.*.*.*.*.*.*.*.*.*.*x', '\\d+'.repeat(10), '(?:a|x)*'.repeat(7), '\\d+\\d+$', '.*.*x', '^a*a*a*$', '\\s*\\s*\\s*x']

describe('findRegexHazard', () => {
  it.each(CATASTROPHIC)('flags %s', (source) => {
    expect(findRegexHazard(source)).toBeDefined()
  })

  it.each(EVERYDAY)('accepts %s', (source) => {
    expect(findRegexHazard(source)).toBeUndefined()
  })

  it.each(POLYNOMIAL)('flags the polynomial %s', (source) => {
    expect(findRegexHazard(source)?.message).toMatch(/can backtrack polynomially/)
  })

  it('points at the repeated part and says how to rewrite it', () => {
    expect(findRegexHazard('^ok|(a+)+$')).toMatchInlineSnapshot(`
      {
        "index": 4,
        "message": "/(a+)+/ can backtrack exponentially: inside it, /a+/ and what follows can both match "a", so a long non-matching message takes exponential time. Remove the nested repetition (e.g. /(a+)+/ → /a+/) or separate the repeated parts with a character they cannot match",
      }
    `)
    expect(findRegexHazard('(.|\\s)*$')?.message).toMatchInlineSnapshot(
      `"/(.|\\s)*/ can backtrack exponentially: it repeats alternatives /.|\\s/ of which more than one can match U+0009, so a long non-matching message takes exponential time. Make the alternatives start with different characters (e.g. /(.|\\s)*/ → /[\\s\\S]*/)"`,
    )
  })

  it('refuses patterns nested too deep to analyse instead of overflowing the stack', () => {
    const deep = `${'('.repeat(MAX_REGEX_NESTING + 1)}a${')'.repeat(MAX_REGEX_NESTING + 1)}`
    expect(findRegexHazard(deep)?.index).toBe(MAX_REGEX_NESTING)
    const veryDeep = `${'(?:'.repeat(20_000)}a${')'.repeat(20_000)}`
    expect(() => findRegexHazard(veryDeep)).not.toThrow()
  })

  it('never flags the patterns expect(objectSubset) compiles to', () => {
    const json = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.string(),
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(fc.string({ maxLength: 5 }), tie('value'), { maxKeys: 3 }),
      ),
    })).value
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 8 }), json, { maxKeys: 4 }), (subset) => {
        expect(findRegexHazard(jsonSubsetPattern(subset as JsonSubset))).toBeUndefined()
      }),
      { numRuns: 300 },
    )
  })

  it('never throws on any source the RegExp constructor accepts', () => {
    const regexChars = fc.constantFrom(...'ab.|()[]{}*+?^$\\-,:=!<>0123456789dDwWsSbBkcuxnt'.split(''))
    fc.assert(
      fc.property(fc.string({ unit: regexChars, maxLength: 24 }), (source) => {
        let compiles = true
        try {
          new RegExp(source)
        } catch {
          compiles = false
        }
        if (compiles) findRegexHazard(source)
      }),
      { numRuns: 3000 },
    )
  })
})

// A small grammar over `a`/`b` that produces both safe and catastrophic shapes.
const smallRegex: fc.Arbitrary<string> = fc.letrec<{ re: string }>((tie) => ({
  re: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('a', 'b', '.', '[ab]', '\\w', 'a?'),
    fc.tuple(tie('re'), tie('re')).map(([x, y]) => x + y),
    fc.tuple(tie('re'), tie('re')).map(([x, y]) => `(?:${x}|${y})`),
    fc.tuple(tie('re'), fc.constantFrom('*', '+', '?', '{1,3}', '{2,}')).map(([x, q]) => `(?:${x})${q}`),
  ),
})).re

/** Runs every pattern against pumped inputs in a worker, so a runaway match can be killed. */
function timeMatches(sources: readonly string[], inputs: readonly string[], limitMs: number): Promise<{ slow?: string; ms: number }> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads')
    let worst = 0
    for (const source of workerData.sources) {
      const re = new RegExp('^(?:' + source + ')$')
      const start = performance.now()
      for (const input of workerData.inputs) re.exec(input)
      const ms = performance.now() - start
      worst = Math.max(worst, ms)
      parentPort.postMessage({ source, ms })
    }
    parentPort.postMessage({ done: true, worst })
  `
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: { sources, inputs } })
    let current = sources[0]
    let timer = setTimeout(() => void kill(), limitMs)
    const kill = async (): Promise<void> => {
      await worker.terminate()
      resolve({ slow: current, ms: limitMs })
    }
    worker.on('message', (m: { source?: string; ms?: number; done?: boolean; worst?: number }) => {
      if (m.done) {
        clearTimeout(timer)
        void worker.terminate().then(() => resolve({ ms: m.worst ?? 0 }))
        return
      }
      if ((m.ms ?? 0) > limitMs) {
        clearTimeout(timer)
        void worker.terminate().then(() => resolve({ slow: m.source, ms: m.ms ?? 0 }))
        return
      }
      const index = sources.indexOf(m.source ?? '')
      current = sources[index + 1]
      clearTimeout(timer)
      timer = setTimeout(() => void kill(), limitMs)
    })
    worker.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
  })
}

describe('accepted patterns stay fast on adversarial input', () => {
  it('no accepted pattern from a random grammar backtracks exponentially', async () => {
    const sources = [...new Set(fc.sample(smallRegex, { numRuns: 600, seed: 20_240_611 }))]
    const accepted = sources.filter((s) => findRegexHazard(s) === undefined)
    const refused = sources.length - accepted.length
    // The sample holds both kinds, so the check is not vacuous.
    expect(refused).toBeGreaterThan(20)
    expect(accepted.length).toBeGreaterThan(100)
    const pumps = ['a'.repeat(28) + '!', 'ab'.repeat(14) + '!', 'b'.repeat(28) + '!', ' '.repeat(28) + '!']
    // Exponential shapes need seconds on these inputs; everything accepted should take well under a second.
    const result = await timeMatches(accepted, pumps, 1500)
    expect(result.slow).toBeUndefined()
  })

  it('a refused pattern really is catastrophic (the guard is not crying wolf)', async () => {
    const result = await timeMatches(['(a+)+'], ['a'.repeat(40) + '!'], 300)
    expect(result.slow).toBe('(a+)+')
  })
})

describe('replay files with catastrophic regexes', () => {
  let dir: string | undefined
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
    dir = undefined
  })

  it('are rejected at load with file:line:column pointing at the pattern', async () => {
    dir = await mkdtemp(join(tmpdir(), 'mockforge-regex-'))
    const file = join(dir, 'evil.jsonl')
    await writeFile(
      file,
      [
        '{"ts":0,"dir":"out","text":"hello"}',
        '{"ts":1,"dir":"in","match":"^(a+)+$"}',
        '{"ts":2,"dir":"out","waitFor":"^x(\\\\w+\\\\s?)*$","text":"bye"}',
      ].join('\n'),
    )
    const error = await Promise.resolve(mockWs().replay(file)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ReplayParseError)
    const message = (error as ReplayParseError).message.replaceAll(file, 'evil.jsonl')
    // docs/reliability.md shows this very report.
    const docs = await readFile(new URL('../../docs/reliability.md', import.meta.url), 'utf8')
    expect(docs).toContain(message)
    expect(message).toMatchInlineSnapshot(`
      "Failed to load replay evil.jsonl: 2 problems found.
        evil.jsonl:2:30: "match" regex /(a+)+/ can backtrack exponentially: inside it, /a+/ and what follows can both match "a", so a long non-matching message takes exponential time. Remove the nested repetition (e.g. /(a+)+/ → /a+/) or separate the repeated parts with a character they cannot match
        evil.jsonl:3:34: "waitFor" regex /(\\w+\\s?)*/ can backtrack exponentially: inside it, /\\w+/ and what follows can both match "0", so a long non-matching message takes exponential time. Remove the nested repetition (e.g. /(a+)+/ → /a+/) or separate the repeated parts with a character they cannot match"
    `)
  })

  it('are rejected from inline text, scenarios and the builder too', async () => {
    expect(() => parseReplay('{"ts":0,"dir":"in","match":"(a|a)*$"}')).toThrow(ReplayParseError)
    expect(() => Scenario.fromReplay([{ ts: 0, dir: 'in', match: '(a|a)*$' }])).toThrow(/can backtrack exponentially/)
    await expect(Promise.resolve(mockWs().expect(/^(a+)+$/))).rejects.toThrow(/can backtrack exponentially/)
  })

  it('a safe file keeps serving: another connection is answered while one sends the adversarial input', async () => {
    const ws = await mockWs().replay('{"ts":0,"dir":"in","match":"^a+$"}\n{"ts":0,"dir":"out","text":"matched"}')
    const attacker = await connectClient(ws.url)
    const other = await connectClient(ws.url)
    const start = performance.now()
    attacker.send(`${'a'.repeat(100_000)}b`)
    other.send('a')
    expect(await other.next()).toBe('matched')
    expect(performance.now() - start).toBeLessThan(1000)
    await attacker.close()
    await other.close()
  })
})
