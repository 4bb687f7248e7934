import type { Random } from '../template/random.js'
import type { LatencyProfile } from './profile.js'

/**
 * Draws one delay in ms from `profile` using `random`; the result is always within
 * `[profile.minMs, profile.maxMs]`. Every call consumes the same number of draws for a given
 * distribution, so a seeded `random` gives a reproducible sequence.
 */
export function sampleLatency(profile: LatencyProfile, random: Random): number {
  const model = profile.model
  switch (model.kind) {
    case 'fixed':
      return model.valueMs
    case 'uniform':
      return profile.clamp(model.fromMs + (model.toMs - model.fromMs) * random.next())
    case 'normal':
      return profile.clamp(model.meanMs + model.stdDevMs * standardNormal(random))
    case 'pareto':
      // Inverse CDF of Pareto(scale, shape): F(x) = 1 - (scale/x)^shape, so x = scale / u^(1/shape).
      return profile.clamp(model.scaleMs / Math.pow(openUnit(random), 1 / model.shape))
  }
}

/** One standard normal draw (Box–Muller, cosine branch); uses exactly two uniform draws. */
export function standardNormal(random: Random): number {
  // The sine branch is dropped, not cached: stateless draws keep a sequence independent of who shares the Random.
  const u1 = openUnit(random)
  const u2 = random.next()
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
}

// random.next() is in [0, 1); log() and division need (0, 1].
function openUnit(random: Random): number {
  return 1 - random.next()
}
