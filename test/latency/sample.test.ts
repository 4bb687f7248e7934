import { describe, expect, test } from 'vitest'
import { LatencyProfile, type LatencyProfileSpec } from '../../src/latency/profile.js'
import { sampleLatency, standardNormal } from '../../src/latency/sample.js'
import { createRandom, type Random } from '../../src/template/random.js'

const N = 2000
const SEED = 20240611
// Tolerances are this many standard errors of the statistic, so a correct sampler fails with
// negligible probability while a wrong mean/spread (or a swapped parameter) is far outside.
const Z = 5

function draw(profile: LatencyProfile, n = N, seed = SEED): number[] {
  const random = createRandom(seed)
  return Array.from({ length: n }, () => sampleLatency(profile, random))
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length
}

function sd(xs: readonly number[]): number {
  const m = mean(xs)
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1))
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length / 2
  return ((sorted[Math.floor(mid - 0.5)] as number) + (sorted[Math.ceil(mid - 0.5)] as number)) / 2
}

function fraction(xs: readonly number[], predicate: (x: number) => boolean): number {
  return xs.filter(predicate).length / xs.length
}

// Moments of clamp(X, lo, hi) for X ~ N(mu, sigma), by Simpson integration over ±12 sigma.
function clampedNormal(mu: number, sigma: number, lo: number, hi: number) {
  const steps = 24_000
  const a = mu - 12 * sigma
  const h = (24 * sigma) / steps
  let m1 = 0
  let m2 = 0
  let below = 0
  let above = 0
  for (let i = 0; i <= steps; i++) {
    const x = a + i * h
    const weight = (i === 0 || i === steps ? 1 : i % 2 === 1 ? 4 : 2) * (h / 3)
    const pdf = Math.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * Math.sqrt(2 * Math.PI))
    const c = Math.min(Math.max(x, lo), hi)
    m1 += weight * pdf * c
    m2 += weight * pdf * c * c
    if (x <= lo) below += weight * pdf
    if (x >= hi) above += weight * pdf
  }
  return { mean: m1, sd: Math.sqrt(m2 - m1 * m1), below, above }
}

function proportionTolerance(p: number, n = N): number {
  return Z * Math.sqrt((p * (1 - p)) / n) + 1 / n
}

const UNIFORM = ['fast', 'normal', 'slow'] as const
const NORMAL = ['5g', '4g', '3g', '2g', 'edge', 'satellite'] as const

describe('uniform presets', () => {
  test.each(UNIFORM)('%s: 2,000 draws in bounds, mean at the midpoint, full spread', (name) => {
    const profile = LatencyProfile.byName(name)
    const { minMs: lo, maxMs: hi } = profile.spec as Required<LatencyProfileSpec>
    const xs = draw(profile)
    const width = hi - lo
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(lo)
    expect(Math.max(...xs)).toBeLessThanOrEqual(hi)
    expect(Math.abs(mean(xs) - (lo + hi) / 2)).toBeLessThan((Z * width) / Math.sqrt(12 * N))
    // sd of U(lo, hi) is width/sqrt(12); the sample sd's relative standard error is ~1% at n = 2000.
    expect(sd(xs) / (width / Math.sqrt(12))).toBeCloseTo(1, 1)
    // The whole range is reached: both ends within 1% of the width (missing is ~0.99^2000).
    expect(Math.min(...xs)).toBeLessThan(lo + width / 100)
    expect(Math.max(...xs)).toBeGreaterThan(hi - width / 100)
  })
})

describe('normal (network) presets', () => {
  test.each(NORMAL)('%s: 2,000 draws in bounds, mean and spread of the clamped normal', (name) => {
    const profile = LatencyProfile.byName(name)
    const { baseMs: mu, stdDevMs: sigma, minMs: lo, maxMs: hi } = profile.spec as Required<LatencyProfileSpec>
    const xs = draw(profile)
    const expected = clampedNormal(mu, sigma, lo, hi)
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(lo)
    expect(Math.max(...xs)).toBeLessThanOrEqual(hi)
    expect(Math.abs(mean(xs) - expected.mean)).toBeLessThan((Z * expected.sd) / Math.sqrt(N))
    expect(Math.abs(sd(xs) / expected.sd - 1)).toBeLessThan(Z / Math.sqrt(2 * N))
    // Clamping only trims the tails: the spread stays close to the stated sd.
    expect(expected.sd).toBeGreaterThan(0.85 * sigma)
    expect(expected.sd).toBeLessThanOrEqual(sigma)
    expect(Math.abs(fraction(xs, (x) => x === lo) - expected.below)).toBeLessThan(proportionTolerance(expected.below))
    expect(Math.abs(fraction(xs, (x) => x === hi) - expected.above)).toBeLessThan(proportionTolerance(expected.above))
  })

  test('without a clamp in reach, mean and sd are the stated ones', () => {
    const profile = new LatencyProfile({ distribution: 'normal', baseMs: 1000, stdDevMs: 40, maxMs: 5000 })
    const xs = draw(profile)
    expect(Math.abs(mean(xs) - 1000)).toBeLessThan((Z * 40) / Math.sqrt(N))
    expect(Math.abs(sd(xs) / 40 - 1)).toBeLessThan(Z / Math.sqrt(2 * N))
  })

  test('standardNormal has mean 0, sd 1 and symmetric tails', () => {
    const random = createRandom(SEED)
    const zs = Array.from({ length: 20_000 }, () => standardNormal(random))
    expect(Math.abs(mean(zs))).toBeLessThan(Z / Math.sqrt(zs.length))
    expect(Math.abs(sd(zs) - 1)).toBeLessThan(Z / Math.sqrt(2 * zs.length))
    // P(|Z| > 1.96) = 0.05
    expect(Math.abs(fraction(zs, (z) => Math.abs(z) > 1.96) - 0.05)).toBeLessThan(proportionTolerance(0.05, zs.length))
  })
})

describe('pareto (congested)', () => {
  test('2,000 draws in bounds, median base*2^(1/shape), tail mass at the cap', () => {
    const profile = LatencyProfile.byName('congested')
    const { baseMs: base, shape, maxMs: cap } = profile.spec as Required<LatencyProfileSpec>
    const xs = draw(profile)
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(base)
    expect(Math.max(...xs)).toBeLessThanOrEqual(cap)

    // The clamp is far from the median, so the unclamped median holds; its standard error is
    // 1 / (2 f(m) sqrt(n)) with f the Pareto density.
    const m = base * 2 ** (1 / shape)
    const density = (shape / m) * (base / m) ** shape
    expect(Math.abs(median(xs) - m)).toBeLessThan(Z / (2 * density * Math.sqrt(N)))

    // P(X >= cap) = (base/cap)^shape lands exactly on the cap.
    const tail = (base / cap) ** shape
    expect(Math.abs(fraction(xs, (x) => x === cap) - tail)).toBeLessThan(proportionTolerance(tail))
    // Heavy tail: the mean sits well above the median.
    expect(mean(xs)).toBeGreaterThan(median(xs))
  })
})

describe('fixed and custom', () => {
  test('fixed returns baseMs every time and draws nothing', () => {
    const counted = counting(createRandom(SEED))
    const profile = LatencyProfile.from(33)
    const xs = Array.from({ length: 100 }, () => sampleLatency(profile, counted.random))
    expect(new Set(xs)).toEqual(new Set([33]))
    expect(counted.calls()).toBe(0)
  })

  test('uniform baseMs ± jitterMs stays in its range', () => {
    const profile = new LatencyProfile({ distribution: 'uniform', baseMs: 100, jitterMs: 25 })
    const xs = draw(profile)
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(75)
    expect(Math.max(...xs)).toBeLessThanOrEqual(125)
    expect(Math.abs(mean(xs) - 100)).toBeLessThan((Z * 50) / Math.sqrt(12 * N))
  })

  test.each([
    ['uniform', 1],
    ['normal', 2],
    ['pareto', 1],
  ] as const)('%s uses a fixed number of uniform draws per sample (%i)', (distribution, perSample) => {
    const specs: Record<typeof distribution, LatencyProfileSpec> = {
      uniform: { distribution: 'uniform', minMs: 1, maxMs: 2 },
      normal: { distribution: 'normal', baseMs: 10, stdDevMs: 2 },
      pareto: { distribution: 'pareto', baseMs: 10, shape: 2, maxMs: 100 },
    }
    const counted = counting(createRandom(SEED))
    const profile = new LatencyProfile(specs[distribution])
    for (let i = 0; i < 50; i++) sampleLatency(profile, counted.random)
    expect(counted.calls()).toBe(50 * perSample)
  })
})

describe('reproducibility', () => {
  test.each(LatencyProfile.names)('%s: the same seed gives the same sequence, another seed a different one', (name) => {
    const profile = LatencyProfile.byName(name)
    const a = draw(profile, 200, 7)
    const b = draw(profile, 200, 7)
    const c = draw(profile, 200, 8)
    expect(b).toEqual(a)
    expect(c).not.toEqual(a)
  })
})

function counting(random: Random): { random: Random; calls: () => number } {
  let calls = 0
  return {
    random: {
      next: () => {
        calls++
        return random.next()
      },
      int: (min, max) => random.int(min, max),
      bytes: (n) => random.bytes(n),
    },
    calls: () => calls,
  }
}
