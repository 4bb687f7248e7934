import { describe, expect, test } from 'vitest'
import { MockWsError } from '../../src/errors.js'
import { LatencyProfile, type LatencyProfileSpec } from '../../src/latency/profile.js'

// The presets as the latency issue states them; the profiles must match exactly.
const STATED: Record<string, LatencyProfileSpec> = {
  fast: { distribution: 'uniform', minMs: 0, maxMs: 10 },
  normal: { distribution: 'uniform', minMs: 50, maxMs: 200 },
  slow: { distribution: 'uniform', minMs: 300, maxMs: 800 },
  '5g': { distribution: 'normal', baseMs: 20, stdDevMs: 5, minMs: 10, maxMs: 30 },
  '4g': { distribution: 'normal', baseMs: 45, stdDevMs: 10, minMs: 30, maxMs: 70 },
  '3g': { distribution: 'normal', baseMs: 150, stdDevMs: 30, minMs: 100, maxMs: 250 },
  '2g': { distribution: 'normal', baseMs: 400, stdDevMs: 80, minMs: 300, maxMs: 600 },
  edge: { distribution: 'normal', baseMs: 650, stdDevMs: 120, minMs: 500, maxMs: 1000 },
  satellite: { distribution: 'normal', baseMs: 650, stdDevMs: 80, minMs: 550, maxMs: 850 },
  congested: { distribution: 'pareto', baseMs: 150, shape: 1.8, minMs: 100, maxMs: 800 },
}

function configError(fn: () => unknown): MockWsError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(MockWsError)
    expect((error as MockWsError).code).toBe('WSM_CONFIG')
    return error as MockWsError
  }
  throw new Error('expected a WSM_CONFIG error, nothing was thrown')
}

describe('presets', () => {
  test('names lists every preset, in documented order', () => {
    expect(LatencyProfile.names).toEqual(Object.keys(STATED))
  })

  test.each(Object.entries(STATED))('%s matches the stated spec and bounds', (name, spec) => {
    const profile = LatencyProfile.byName(name)
    expect(profile.name).toBe(name)
    expect(profile.toJSON()).toEqual(spec)
    expect(profile.minMs).toBe(spec.distribution === 'pareto' ? spec.baseMs : spec.minMs)
    expect(profile.maxMs).toBe(spec.maxMs)
  })

  test('fast(), normal() and slow() are the presets of the same name', () => {
    expect(LatencyProfile.fast().toJSON()).toEqual(STATED['fast'])
    expect(LatencyProfile.normal().toJSON()).toEqual(STATED['normal'])
    expect(LatencyProfile.slow().toJSON()).toEqual(STATED['slow'])
    expect(LatencyProfile.slow().name).toBe('slow')
  })

  test.each([
    ['fast', 'fast'], ['normal', 'normal'], ['slow', 'slow'],
    ['fiveG', '5g'], ['5g', '5g'], ['fourG', '4g'], ['4g', '4g'], ['threeG', '3g'], ['3g', '3g'], ['twoG', '2g'], ['2g', '2g'],
    ['edge', 'edge'], ['satellite', 'satellite'], ['congested', 'congested'],
  ] as const)('LatencyProfile.%s() builds the %s preset, called bound or not', (factory, name) => {
    const make = LatencyProfile[factory]
    for (const profile of [LatencyProfile[factory](), make()]) {
      expect(profile).toBeInstanceOf(LatencyProfile)
      expect(profile.name).toBe(name)
      expect(profile.toJSON()).toEqual(STATED[name])
      expect(profile.model).toEqual(LatencyProfile.byName(name).model)
      expect(String(profile)).toBe(String(LatencyProfile.byName(name)))
    }
  })

  test('byName ignores case and surrounding space', () => {
    expect(LatencyProfile.byName(' 4G ').name).toBe('4g')
    expect(LatencyProfile.byName('Satellite').name).toBe('satellite')
  })

  test('an unknown name is rejected with the list of names', () => {
    const error = configError(() => LatencyProfile.byName('lte'))
    expect(error.message).toMatchInlineSnapshot(`"Failed to resolve latency profile "lte": no preset has that name. Use one of fast, normal, slow, 5g, 4g, 3g, 2g, edge, satellite, congested, or pass a custom spec such as { distribution: 'uniform', minMs: 50, maxMs: 200 }."`)
  })

  test('toString describes the distribution and any clamp', () => {
    expect(String(LatencyProfile.fast())).toBe('fast (uniform 0–10 ms)')
    expect(String(LatencyProfile.byName('4g'))).toBe('4g (normal 45±10 ms, clamped to 30–70 ms)')
    expect(String(LatencyProfile.byName('congested'))).toBe(
      'congested (pareto scale 150 ms shape 1.8, clamped to 150–800 ms)',
    )
    expect(String(LatencyProfile.from(25))).toBe('custom (fixed 25 ms)')
  })

  test('profiles are immutable', () => {
    const profile = LatencyProfile.byName('3g')
    expect(Object.isFrozen(profile)).toBe(true)
    expect(Object.isFrozen(profile.spec)).toBe(true)
  })
})

describe('LatencyProfile.from', () => {
  test('takes a name, a profile, a spec or a number of ms', () => {
    const slow = LatencyProfile.slow()
    expect(LatencyProfile.from(slow)).toBe(slow)
    expect(LatencyProfile.from('edge').name).toBe('edge')
    expect(LatencyProfile.from({ distribution: 'fixed', baseMs: 40 }).model).toEqual({ kind: 'fixed', valueMs: 40 })
    expect(LatencyProfile.from(15).model).toEqual({ kind: 'fixed', valueMs: 15 })
  })

  test('rebuilds a profile made by another copy of the module (dual ESM/CJS load)', () => {
    const original = LatencyProfile.byName('2g')
    const foreign = { ...original, spec: original.spec, clamp: original.clamp.bind(original) }
    expect(foreign).not.toBeInstanceOf(LatencyProfile)
    const rebuilt = LatencyProfile.from(foreign as never)
    expect(rebuilt).toBeInstanceOf(LatencyProfile)
    expect(rebuilt.name).toBe('2g')
    expect(rebuilt.toJSON()).toEqual(original.toJSON())
  })

  test('rejects anything else', () => {
    const error = configError(() => LatencyProfile.from(true as never))
    expect(error.message).toMatchInlineSnapshot(`"Failed to resolve latency profile: expected a preset name, a LatencyProfile, a spec object or a number of ms, got true. Pass for example '4g', LatencyProfile.slow() or { distribution: 'fixed', baseMs: 50 }."`)
  })

  test('a negative number of ms is a spec error', () => {
    const error = configError(() => LatencyProfile.from(-5))
    expect(error.message).toMatchInlineSnapshot(`
      "Failed to create latency profile: 1 problem in the spec.
        - baseMs: must be >= 0 (got -5)
      Each distribution takes its own fields (fixed: baseMs; uniform: baseMs+jitterMs or minMs+maxMs; normal: baseMs+stdDevMs; pareto: baseMs+shape+maxMs); see docs/latency-and-faults.md."
    `)
  })
})

describe('custom specs', () => {
  test('uniform: baseMs ± jitterMs, clamped at 0 by default', () => {
    const profile = new LatencyProfile({ distribution: 'uniform', baseMs: 10, jitterMs: 30 })
    expect(profile.model).toEqual({ kind: 'uniform', fromMs: -20, toMs: 40 })
    expect([profile.minMs, profile.maxMs]).toEqual([0, 40])
  })

  test('uniform: minMs..maxMs when baseMs is omitted', () => {
    const profile = new LatencyProfile({ distribution: 'uniform', minMs: 5, maxMs: 9 })
    expect(profile.model).toEqual({ kind: 'uniform', fromMs: 5, toMs: 9 })
    expect([profile.minMs, profile.maxMs]).toEqual([5, 9])
  })

  test('uniform: minMs/maxMs clamp a baseMs ± jitterMs range', () => {
    const profile = new LatencyProfile({ distribution: 'uniform', baseMs: 100, jitterMs: 50, minMs: 80, maxMs: 120 })
    expect([profile.minMs, profile.maxMs]).toEqual([80, 120])
    expect(profile.clamp(60)).toBe(80)
    expect(profile.clamp(130)).toBe(120)
  })

  test('normal without maxMs is unbounded above; with stdDevMs 0 it is constant', () => {
    const open = new LatencyProfile({ distribution: 'normal', baseMs: 100, stdDevMs: 10 })
    expect([open.minMs, open.maxMs]).toEqual([0, Infinity])
    const constant = new LatencyProfile({ distribution: 'normal', baseMs: 100, stdDevMs: 0 })
    expect([constant.minMs, constant.maxMs]).toEqual([100, 100])
  })

  test('the name of a custom profile is "custom" unless given', () => {
    expect(new LatencyProfile({ distribution: 'fixed', baseMs: 1 }).name).toBe('custom')
    expect(new LatencyProfile({ distribution: 'fixed', baseMs: 1 }, 'lan').name).toBe('lan')
  })

  test('the spec is copied, not kept by reference', () => {
    const spec: LatencyProfileSpec = { distribution: 'fixed', baseMs: 10 }
    const profile = new LatencyProfile(spec)
    spec.baseMs = 99
    expect(profile.spec.baseMs).toBe(10)
  })
})

describe('validation lists every bad field', () => {
  test('unknown distribution and unknown fields', () => {
    const spec = { distribution: 'gauss', base: 10, baseMs: -1 } as unknown as LatencyProfileSpec
    expect(configError(() => new LatencyProfile(spec)).message).toMatchInlineSnapshot(`
      "Failed to create latency profile: 3 problems in the spec.
        - base: not a latency field (known fields: distribution, baseMs, jitterMs, stdDevMs, shape, minMs, maxMs)
        - distribution: must be one of 'fixed', 'uniform', 'normal', 'pareto' (got "gauss")
        - baseMs: must be >= 0 (got -1)
      Each distribution takes its own fields (fixed: baseMs; uniform: baseMs+jitterMs or minMs+maxMs; normal: baseMs+stdDevMs; pareto: baseMs+shape+maxMs); see docs/latency-and-faults.md."
    `)
  })

  test('non-numbers, non-finite and negative values', () => {
    const spec = {
      distribution: 'uniform',
      baseMs: '10',
      jitterMs: Number.NaN,
      minMs: -3,
      maxMs: Infinity,
    } as unknown as LatencyProfileSpec
    expect(configError(() => new LatencyProfile(spec)).message).toMatchInlineSnapshot(`
      "Failed to create latency profile: 4 problems in the spec.
        - baseMs: must be a finite number (got "10")
        - jitterMs: must be a finite number (got NaN)
        - minMs: must be >= 0 (got -3)
        - maxMs: must be a finite number (got Infinity)
      Each distribution takes its own fields (fixed: baseMs; uniform: baseMs+jitterMs or minMs+maxMs; normal: baseMs+stdDevMs; pareto: baseMs+shape+maxMs); see docs/latency-and-faults.md."
    `)
  })

  test('fields that do not apply to the distribution', () => {
    const spec: LatencyProfileSpec = { distribution: 'fixed', baseMs: 10, jitterMs: 5, stdDevMs: 2, shape: 2, maxMs: 20 }
    expect(configError(() => new LatencyProfile(spec)).message).toMatchInlineSnapshot(`
      "Failed to create latency profile: 4 problems in the spec.
        - jitterMs: does not apply to 'fixed' (use 'uniform' for baseMs ± jitterMs)
        - stdDevMs: does not apply to 'fixed' (use 'normal' for a standard deviation)
        - shape: does not apply to 'fixed' (use 'pareto' for a heavy tail)
        - maxMs: does not apply to 'fixed' ('fixed' always waits baseMs)
      Each distribution takes its own fields (fixed: baseMs; uniform: baseMs+jitterMs or minMs+maxMs; normal: baseMs+stdDevMs; pareto: baseMs+shape+maxMs); see docs/latency-and-faults.md."
    `)
  })

  test('missing required fields per distribution', () => {
    expect(configError(() => new LatencyProfile({ distribution: 'fixed' })).message).toMatchInlineSnapshot(`
      "Failed to create latency profile: 1 problem in the spec.
        - baseMs: required for 'fixed' (the delay of every message)
      Each distribution takes its own fields (fixed: baseMs; uniform: baseMs+jitterMs or minMs+maxMs; normal: baseMs+stdDevMs; pareto: baseMs+shape+maxMs); see docs/latency-and-faults.md."
    `)
    expect(configError(() => new LatencyProfile({ distribution: 'uniform', minMs: 5 })).message).toMatchInlineSnapshot(`
      "Failed to create latency profile: 1 problem in the spec.
        - minMs, maxMs: required for 'uniform' when baseMs and jitterMs are not given (the range to draw from)
      Each distribution takes its own fields (fixed: baseMs; uniform: baseMs+jitterMs or minMs+maxMs; normal: baseMs+stdDevMs; pareto: baseMs+shape+maxMs); see docs/latency-and-faults.md."
    `)
    expect(
      configError(() => new LatencyProfile({ distribution: 'uniform', baseMs: 5 })).message,
    ).toMatchInlineSnapshot(`
      "Failed to create latency profile: 1 problem in the spec.
        - jitterMs: required for 'uniform' (the half-width of the range around baseMs)
      Each distribution takes its own fields (fixed: baseMs; uniform: baseMs+jitterMs or minMs+maxMs; normal: baseMs+stdDevMs; pareto: baseMs+shape+maxMs); see docs/latency-and-faults.md."
    `)
    expect(configError(() => new LatencyProfile({ distribution: 'normal', minMs: 1 })).message).toMatchInlineSnapshot(`
      "Failed to create latency profile: 2 problems in the spec.
        - baseMs: required for 'normal' (the mean)
        - stdDevMs: required for 'normal' (the standard deviation)
      Each distribution takes its own fields (fixed: baseMs; uniform: baseMs+jitterMs or minMs+maxMs; normal: baseMs+stdDevMs; pareto: baseMs+shape+maxMs); see docs/latency-and-faults.md."
    `)
    expect(
      configError(() => new LatencyProfile({ distribution: 'pareto', baseMs: 0, shape: 0 })).message,
    ).toMatchInlineSnapshot(`
      "Failed to create latency profile: 3 problems in the spec.
        - baseMs: must be > 0 for 'pareto' (got 0)
        - shape: must be > 0 (got 0)
        - maxMs: required for 'pareto' (its tail is unbounded, so cap it, e.g. maxMs: 2000)
      Each distribution takes its own fields (fixed: baseMs; uniform: baseMs+jitterMs or minMs+maxMs; normal: baseMs+stdDevMs; pareto: baseMs+shape+maxMs); see docs/latency-and-faults.md."
    `)
  })

  test('minMs above maxMs', () => {
    const spec: LatencyProfileSpec = { distribution: 'normal', baseMs: 50, stdDevMs: 5, minMs: 60, maxMs: 40 }
    expect(configError(() => new LatencyProfile(spec)).message).toMatchInlineSnapshot(`
      "Failed to create latency profile: 1 problem in the spec.
        - maxMs: must be >= minMs (got minMs 60, maxMs 40)
      Each distribution takes its own fields (fixed: baseMs; uniform: baseMs+jitterMs or minMs+maxMs; normal: baseMs+stdDevMs; pareto: baseMs+shape+maxMs); see docs/latency-and-faults.md."
    `)
  })

  test('a spec that is not an object', () => {
    expect(configError(() => new LatencyProfile(null as never)).message).toMatchInlineSnapshot(`
      "Failed to create latency profile: 1 problem in the spec.
        - spec: must be an object such as { distribution: 'fixed', baseMs: 50 } (got null)
      Each distribution takes its own fields (fixed: baseMs; uniform: baseMs+jitterMs or minMs+maxMs; normal: baseMs+stdDevMs; pareto: baseMs+shape+maxMs); see docs/latency-and-faults.md."
    `)
  })
})
