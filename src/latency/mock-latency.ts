import { MockWsError } from '../errors.js'
import { LatencyInjector, type LatencyInjectorOptions } from './injector.js'
import { LatencyProfile, type LatencyProfileInput } from './profile.js'

/**
 * Tells whether `value` is a latency injector, including one from a second copy of this module
 * (the ESM and CJS builds loaded side by side), which `instanceof` would miss.
 */
export function isLatencyInjector(value: unknown): value is LatencyInjector {
  if (value instanceof LatencyInjector) return true
  const candidate = value as Partial<LatencyInjector> | null
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.createScheduler === 'function' &&
    typeof candidate.appliesTo === 'function' &&
    typeof candidate.sample === 'function'
  )
}

/**
 * Validates what `mockWs().latency()` was given, now, and returns how to build its injector once the
 * mock starts: seeded by `options.seed`, else by the mock's `seed`. A ready injector is used as is.
 */
export function latencyFactory(
  profile: LatencyProfileInput | LatencyInjector,
  options: LatencyInjectorOptions = {},
): (mockSeed: number | undefined) => LatencyInjector {
  if (isLatencyInjector(profile)) {
    const given = Object.keys(options).filter((k) => options[k as keyof LatencyInjectorOptions] !== undefined)
    if (given.length > 0) {
      throw new MockWsError(
        'WSM_CONFIG',
        `Failed to configure latency(): ${given.join(' and ')} cannot change an existing LatencyInjector. Pass them to new LatencyInjector(profile, { ${given.join(', ')} }) instead.`,
      )
    }
    return () => profile
  }
  const resolved = LatencyProfile.from(profile)
  // Built once now so that bad options fail at the call rather than when the mock starts.
  const checked = new LatencyInjector(resolved, options)
  return (mockSeed) => {
    const seed = options.seed ?? mockSeed
    return seed === checked.seed ? checked : new LatencyInjector(resolved, { ...options, ...(seed !== undefined ? { seed } : {}) })
  }
}
