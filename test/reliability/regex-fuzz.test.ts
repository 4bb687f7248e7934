import { Worker } from 'node:worker_threads'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEFAULT_MAX_REGEX_INPUT } from '../../src/constants.js'
import { findRegexHazard, MAX_REGEX_DEGREE, regexDegree } from '../../src/replay/regex-guard.js'

// Patterns over a few overlapping atoms, with nested and adjacent quantifiers and alternations.
const atom = fc.constantFrom('a', 'b', '.', '[ab]', '\\w', '\\d', '\\s', '[^b]', 'a?', '(?:a|b)')
const quantifier = fc.constantFrom('*', '+', '?', '{1,3}', '{2,}', '*?', '+?')
const pattern: fc.Arbitrary<string> = fc.letrec<{ re: string }>((tie) => ({
  re: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc.tuple(tie('re'), tie('re')).map(([x, y]) => x + y),
    fc.tuple(tie('re'), tie('re'), tie('re')).map(([x, y, z]) => x + y + z),
    fc.tuple(tie('re'), tie('re')).map(([x, y]) => `(?:${x}|${y})`),
    fc.tuple(tie('re'), quantifier).map(([x, q]) => `(?:${x})${q}`),
    fc.tuple(atom, quantifier, atom, quantifier).map(([x, q, y, r]) => `${x}${q}${y}${r}`),
    tie('re').map((x) => `^${x}`),
  ),
})).re

/** Inputs that make backtracking engines try many splits: long runs of what the atoms share, then a character nothing expects. */
function adversarial(length: number): string[] {
  const runs = ['a', 'b', '0', ' ', 'ab', 'a0', 'a ', 'ba']
  return runs.flatMap((unit) => {
    const body = unit.repeat(Math.ceil((length - 1) / unit.length)).slice(0, length - 1)
    return [`${body}!`, `${body}\n`]
  })
}

/**
 * The most one `exec` of an accepted pattern may take on a message of DEFAULT_MAX_REGEX_INPUT characters.
 * docs/reliability.md promises about 50 ms; the bound has slack for a loaded 2-core CI machine.
 */
const EXEC_BOUND_MS = 250

/** Runs every pattern on every input in a worker (as the player does: `new RegExp(source).exec(text)`), killed when one exec overruns. */
function runGuarded(sources: readonly string[], inputs: readonly string[], boundMs: number): Promise<{ slow?: string; worstMs: number; worst?: string }> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads')
    for (const source of workerData.sources) {
      const re = new RegExp(source)
      let worst = 0
      for (const input of workerData.inputs) {
        parentPort.postMessage({ start: source })
        const t = performance.now()
        re.exec(input)
        worst = Math.max(worst, performance.now() - t)
      }
      parentPort.postMessage({ source, ms: worst })
    }
    parentPort.postMessage({ done: true })
  `
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: { sources, inputs } })
    let worstMs = 0
    let worst: string | undefined
    let timer: NodeJS.Timeout | undefined
    const finish = (result: { slow?: string; worstMs: number; worst?: string }): void => {
      clearTimeout(timer)
      void worker.terminate().then(() => resolve(result))
    }
    worker.on('message', (m: { start?: string; source?: string; ms?: number; done?: boolean }) => {
      if (m.done) return finish({ worstMs, ...(worst ? { worst } : {}) })
      if (m.start !== undefined) {
        // A watchdog per exec: a runaway match is killed instead of waited for.
        clearTimeout(timer)
        const current = m.start
        timer = setTimeout(() => finish({ slow: current, worstMs: boundMs }), boundMs)
        return
      }
      clearTimeout(timer)
      if ((m.ms ?? 0) > worstMs) {
        worstMs = m.ms ?? 0
        worst = m.source
      }
    })
    worker.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
  })
}

describe('regex guard fuzz (item 4)', () => {
  it(`no accepted pattern holds the loop for more than ${EXEC_BOUND_MS} ms on a ${DEFAULT_MAX_REGEX_INPUT}-character message`, async () => {
    const sources = [...new Set(fc.sample(pattern, { numRuns: 400, seed: 2026_12_01 }))].filter((s) => {
      try {
        new RegExp(s)
        return true
      } catch {
        return false
      }
    })
    const accepted = sources.filter((s) => findRegexHazard(s) === undefined)
    const quadratic = accepted.filter((s) => regexDegree(s) === MAX_REGEX_DEGREE)
    // Both kinds are in the sample, so the check is not vacuous.
    expect(sources.length - accepted.length).toBeGreaterThan(30)
    expect(quadratic.length).toBeGreaterThan(30)
    const result = await runGuarded(accepted, adversarial(DEFAULT_MAX_REGEX_INPUT), EXEC_BOUND_MS)
    expect(result.slow).toBeUndefined()
  }, 60_000)

  it('a refused polynomial pattern really is slow at that length (the bound is not vacuous)', async () => {
    const result = await runGuarded(['\\d+\\d+\\d+x'], ['1'.repeat(DEFAULT_MAX_REGEX_INPUT)], EXEC_BOUND_MS)
    expect(result.slow).toBe('\\d+\\d+\\d+x')
  })
})
