// A small `expect` for running the shared contract cases inside the page: the assertions the cases use, plus
// the mockforge-ws matchers themselves (the same functions every runner registers).
import { mockWsMatchers, type MatcherContextLike, type MatcherOutcome } from '../../src/integrations/matchers.js'

type Matcher = (this: MatcherContextLike, received: unknown, ...args: never[]) => MatcherOutcome | Promise<MatcherOutcome>

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined)
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined)
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}

const show = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value)))

const basics: Record<string, Matcher> = {
  toBe(received, expected: never) {
    return { pass: Object.is(received, expected), message: () => `expected ${show(received)} to be ${show(expected)}` }
  },
  toEqual(received, expected: never) {
    return { pass: deepEqual(received, expected), message: () => `expected ${show(received)} to equal ${show(expected)}` }
  },
  toContain(received, expected: never) {
    const pass = typeof received === 'string' ? received.includes(expected) : Array.isArray(received) && received.includes(expected)
    return { pass, message: () => `expected ${show(received)} to contain ${show(expected)}` }
  },
  toBeDefined(received) {
    return { pass: received !== undefined, message: () => 'expected a value, got undefined' }
  },
}

function context(isNot: boolean): MatcherContextLike {
  return {
    isNot,
    utils: {
      diff: (a, b) => `- ${show(a)}\n+ ${show(b)}`,
      printReceived: show,
      printExpected: show,
    },
  }
}

function settle(outcome: MatcherOutcome, isNot: boolean): void {
  if (outcome.pass === isNot) throw new Error(outcome.message())
}

/** Every assertion the page's expect offers. */
type Assertions = Record<'toBe' | 'toEqual' | 'toContain' | 'toBeDefined' | keyof typeof mockWsMatchers, (...args: unknown[]) => unknown>

function assertions(received: unknown, isNot: boolean): Assertions {
  const all: Record<string, Matcher> = { ...basics, ...(mockWsMatchers as unknown as Record<string, Matcher>) }
  const out = {} as Assertions & Record<string, (...args: unknown[]) => unknown>
  for (const [name, matcher] of Object.entries(all)) {
    out[name] = (...args) => {
      const outcome = matcher.call(context(isNot), received, ...(args as never[]))
      if (outcome instanceof Promise) return outcome.then((o) => settle(o, isNot))
      settle(outcome, isNot)
      return undefined
    }
  }
  return out
}

/** `expect(value).matcher(…)` and `expect(value).not.matcher(…)`; async matchers return promises. */
export function expect(received: unknown): Assertions & { not: Assertions } {
  return Object.assign(assertions(received, false), { not: assertions(received, true) })
}
