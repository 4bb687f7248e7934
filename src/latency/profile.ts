import { MockWsError } from '../errors.js'
import { showValue } from '../session/describe.js'

/**
 * Shape of the delay distribution of a custom latency profile.
 * @example
 * const distribution: LatencyDistribution = 'pareto'
 */
export type LatencyDistribution = 'fixed' | 'uniform' | 'normal' | 'pareto'

/**
 * A custom latency profile. Which fields apply depends on `distribution` (all values in ms):
 *
 * - `fixed`: every delay is `baseMs`. No other field applies.
 * - `uniform`: delays are drawn evenly from `[baseMs - jitterMs, baseMs + jitterMs]`, or from
 *   `[minMs, maxMs]` when `baseMs` is omitted. With both forms, `minMs`/`maxMs` clamp the range.
 * - `normal`: Gaussian with mean `baseMs` and standard deviation `stdDevMs`, then clamped.
 * - `pareto`: heavy-tailed, scale `baseMs` (the smallest draw) and tail index `shape` (smaller is
 *   heavier; the median is `baseMs * 2^(1/shape)`), then clamped; `maxMs` is required.
 *
 * `minMs` (default 0) and `maxMs` (default none) clamp every draw of `uniform`, `normal` and `pareto`.
 * @example
 * const spec: LatencyProfileSpec = { distribution: 'normal', baseMs: 80, stdDevMs: 15, minMs: 40, maxMs: 150 }
 */
export interface LatencyProfileSpec {
  distribution: LatencyDistribution
  /** `fixed`: the delay. `uniform`: centre of the range. `normal`: mean. `pareto`: scale (smallest draw). */
  baseMs?: number
  /** `uniform` only: half-width of the range around `baseMs`. */
  jitterMs?: number
  /** `normal` only: standard deviation before clamping. */
  stdDevMs?: number
  /** `pareto` only: tail index (alpha) > 0. */
  shape?: number
  /** Lower clamp (default 0); with `uniform` and no `baseMs`, the lower end of the range. */
  minMs?: number
  /** Upper clamp (default none; required for `pareto`); with `uniform` and no `baseMs`, the upper end. */
  maxMs?: number
}

/**
 * The distribution a profile draws from, resolved from its spec (bounds already known).
 * @example
 * LatencyProfile.byName('4g').model // { kind: 'normal', meanMs: 45, stdDevMs: 10 }
 */
export type LatencyModel =
  | { readonly kind: 'fixed'; readonly valueMs: number }
  | { readonly kind: 'uniform'; readonly fromMs: number; readonly toMs: number }
  | { readonly kind: 'normal'; readonly meanMs: number; readonly stdDevMs: number }
  | { readonly kind: 'pareto'; readonly scaleMs: number; readonly shape: number }

const PRESET_SPECS = {
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
} as const satisfies Record<string, LatencyProfileSpec>

/**
 * Name of a built-in latency profile.
 * @example
 * const name: LatencyPresetName = 'satellite'
 */
export type LatencyPresetName = keyof typeof PRESET_SPECS

/**
 * Anything accepted where a latency profile is expected: a preset name, a profile, a custom spec,
 * or a number (a fixed delay in ms).
 * @example
 * const input: LatencyProfileInput = '4g'
 */
export type LatencyProfileInput = LatencyProfile | LatencyPresetName | LatencyProfileSpec | number | (string & {})

const PRESET_NAMES = Object.freeze(Object.keys(PRESET_SPECS) as LatencyPresetName[])
const DISTRIBUTIONS: readonly LatencyDistribution[] = ['fixed', 'uniform', 'normal', 'pareto']
const NUMERIC_FIELDS = ['baseMs', 'jitterMs', 'stdDevMs', 'shape', 'minMs', 'maxMs'] as const
type NumericField = (typeof NUMERIC_FIELDS)[number]
const KNOWN_FIELDS: readonly string[] = ['distribution', ...NUMERIC_FIELDS]

// The fields that mean something for each distribution; others are rejected, never silently ignored.
const APPLICABLE_FIELDS: Record<LatencyDistribution, readonly NumericField[]> = {
  fixed: ['baseMs'],
  uniform: ['baseMs', 'jitterMs', 'minMs', 'maxMs'],
  normal: ['baseMs', 'stdDevMs', 'minMs', 'maxMs'],
  pareto: ['baseMs', 'shape', 'minMs', 'maxMs'],
}

const FIELD_HINTS: Partial<Record<NumericField, string>> = {
  jitterMs: "use 'uniform' for baseMs ± jitterMs",
  stdDevMs: "use 'normal' for a standard deviation",
  shape: "use 'pareto' for a heavy tail",
  minMs: "'fixed' always waits baseMs",
  maxMs: "'fixed' always waits baseMs",
}

const SPEC_DOC_HINT =
  'Each distribution takes its own fields (fixed: baseMs; uniform: baseMs+jitterMs or minMs+maxMs; normal: baseMs+stdDevMs; pareto: baseMs+shape+maxMs); see docs/latency-and-faults.md.'

/**
 * An immutable latency profile: a preset (`LatencyProfile.byName('4g')`) or a validated custom spec.
 * @example
 * const profile = LatencyProfile.from({ distribution: 'uniform', baseMs: 100, jitterMs: 20 })
 */
export class LatencyProfile {
  /** Preset names, in the order they are documented. */
  static readonly names: readonly LatencyPresetName[] = PRESET_NAMES

  /** Preset name, or `'custom'`. */
  readonly name: string
  /** The spec this profile was built from (a frozen copy). */
  readonly spec: Readonly<LatencyProfileSpec>
  /** The distribution draws come from, before clamping. */
  readonly model: LatencyModel
  /** Lower clamp applied to every draw. */
  readonly clampMinMs: number
  /** Upper clamp applied to every draw (`Infinity` when none). */
  readonly clampMaxMs: number
  /** Smallest delay this profile can produce. */
  readonly minMs: number
  /** Largest delay this profile can produce (`Infinity` when unbounded). */
  readonly maxMs: number

  /**
   * Validates `spec` and builds a profile labelled `name`; throws a `MockWsError` (`WSM_CONFIG`) listing every bad field.
   * @example
   * new LatencyProfile({ distribution: 'fixed', baseMs: 25 }, 'lan')
   */
  constructor(spec: LatencyProfileSpec, name = 'custom') {
    const problems = validateSpec(spec)
    if (problems.length > 0) throw latencyConfigError('latency profile', 'the spec', problems, SPEC_DOC_HINT)
    const copy: LatencyProfileSpec = { distribution: spec.distribution }
    for (const field of NUMERIC_FIELDS) if (spec[field] !== undefined) copy[field] = spec[field]
    this.name = name
    this.spec = Object.freeze(copy)
    this.model = toModel(copy)
    this.clampMinMs = copy.distribution === 'fixed' ? 0 : (copy.minMs ?? 0)
    this.clampMaxMs = copy.distribution === 'fixed' ? Infinity : (copy.maxMs ?? Infinity)
    const [lo, hi] = naturalRange(this.model)
    this.minMs = this.clamp(lo)
    this.maxMs = this.clamp(hi)
    Object.freeze(this)
  }

  /**
   * Uniform 0–10 ms: a local network.
   * @example
   * new LatencyInjector(LatencyProfile.fast())
   */
  static readonly fast = preset('fast')
  /**
   * Uniform 50–200 ms: a typical internet round trip.
   * @example
   * new LatencyInjector(LatencyProfile.normal())
   */
  static readonly normal = preset('normal')
  /**
   * Uniform 300–800 ms: a slow link.
   * @example
   * new LatencyInjector(LatencyProfile.slow())
   */
  static readonly slow = preset('slow')
  /**
   * 5G: normal 20 ± 5 ms, clamped to 10–30 ms. Also callable as `LatencyProfile['5g']()`.
   * @example
   * new LatencyInjector(LatencyProfile.fiveG())
   */
  static readonly fiveG = preset('5g')
  /**
   * 5G, under its preset name: the same profile as `fiveG()`.
   * @example
   * new LatencyInjector(LatencyProfile['5g']())
   */
  static readonly '5g' = preset('5g')
  /**
   * 4G: normal 45 ± 10 ms, clamped to 30–70 ms. Also callable as `LatencyProfile['4g']()`.
   * @example
   * new LatencyInjector(LatencyProfile.fourG())
   */
  static readonly fourG = preset('4g')
  /**
   * 4G, under its preset name: the same profile as `fourG()`.
   * @example
   * new LatencyInjector(LatencyProfile['4g']())
   */
  static readonly '4g' = preset('4g')
  /**
   * 3G: normal 150 ± 30 ms, clamped to 100–250 ms. Also callable as `LatencyProfile['3g']()`.
   * @example
   * new LatencyInjector(LatencyProfile.threeG())
   */
  static readonly threeG = preset('3g')
  /**
   * 3G, under its preset name: the same profile as `threeG()`.
   * @example
   * new LatencyInjector(LatencyProfile['3g']())
   */
  static readonly '3g' = preset('3g')
  /**
   * 2G: normal 400 ± 80 ms, clamped to 300–600 ms. Also callable as `LatencyProfile['2g']()`.
   * @example
   * new LatencyInjector(LatencyProfile.twoG())
   */
  static readonly twoG = preset('2g')
  /**
   * 2G, under its preset name: the same profile as `twoG()`.
   * @example
   * new LatencyInjector(LatencyProfile['2g']())
   */
  static readonly '2g' = preset('2g')
  /**
   * EDGE: normal 650 ± 120 ms, clamped to 500–1000 ms.
   * @example
   * new LatencyInjector(LatencyProfile.edge())
   */
  static readonly edge = preset('edge')
  /**
   * Satellite: normal 650 ± 80 ms, clamped to 550–850 ms.
   * @example
   * new LatencyInjector(LatencyProfile.satellite())
   */
  static readonly satellite = preset('satellite')
  /**
   * A congested link: Pareto, scale 150 ms, shape 1.8, capped at 800 ms.
   * @example
   * new LatencyInjector(LatencyProfile.congested())
   */
  static readonly congested = preset('congested')

  /**
   * The preset called `name` (case-insensitive); throws a `MockWsError` (`WSM_CONFIG`) listing the names otherwise.
   * @example
   * LatencyProfile.byName('satellite').maxMs // 850
   */
  static byName(name: LatencyPresetName | (string & {})): LatencyProfile {
    const key = String(name).trim().toLowerCase()
    if (!Object.hasOwn(PRESET_SPECS, key)) {
      throw new MockWsError(
        'WSM_CONFIG',
        `Failed to resolve latency profile ${JSON.stringify(name)}: no preset has that name. ` +
          `Use one of ${PRESET_NAMES.join(', ')}, or pass a custom spec such as { distribution: 'uniform', minMs: 50, maxMs: 200 }.`,
      )
    }
    return new LatencyProfile(PRESET_SPECS[key as LatencyPresetName], key)
  }

  /**
   * Resolves a preset name, a profile, a custom spec or a fixed delay in ms into a profile.
   * @example
   * LatencyProfile.from('3g'); LatencyProfile.from(25); LatencyProfile.from({ distribution: 'fixed', baseMs: 25 })
   */
  static from(input: LatencyProfileInput): LatencyProfile {
    if (input instanceof LatencyProfile) return input
    // A profile of another copy of this module (ESM and CJS builds side by side) fails instanceof: rebuild it.
    if (isForeignProfile(input)) return new LatencyProfile(input.spec, input.name)
    if (typeof input === 'string') return LatencyProfile.byName(input)
    if (typeof input === 'number') return new LatencyProfile({ distribution: 'fixed', baseMs: input })
    if (typeof input === 'object' && input !== null && !Array.isArray(input)) return new LatencyProfile(input)
    throw new MockWsError(
      'WSM_CONFIG',
      `Failed to resolve latency profile: expected a preset name, a LatencyProfile, a spec object or a number of ms, got ${showValue(input)}. ` +
        `Pass for example '4g', LatencyProfile.slow() or { distribution: 'fixed', baseMs: 50 }.`,
    )
  }

  /**
   * Clamps a raw draw into this profile's `[clampMinMs, clampMaxMs]`.
   * @example
   * LatencyProfile.byName('5g').clamp(42) // 30
   */
  clamp(ms: number): number {
    return Math.min(Math.max(ms, this.clampMinMs), this.clampMaxMs)
  }

  /**
   * A one-line description, e.g. `4g (normal 45±10 ms, clamped to 30–70 ms)`.
   * @example
   * String(LatencyProfile.fast()) // 'fast (uniform 0–10 ms)'
   */
  toString(): string {
    const m = this.model
    let body: string
    if (m.kind === 'fixed') body = `fixed ${m.valueMs} ms`
    else if (m.kind === 'uniform') body = `uniform ${m.fromMs}–${m.toMs} ms`
    else if (m.kind === 'normal') body = `normal ${m.meanMs}±${m.stdDevMs} ms`
    else body = `pareto scale ${m.scaleMs} ms shape ${m.shape}`
    const [lo, hi] = naturalRange(m)
    const clamped = lo < this.minMs || hi > this.maxMs
    const range = `${this.minMs}–${this.maxMs === Infinity ? '∞' : this.maxMs} ms`
    return `${this.name} (${body}${clamped ? `, clamped to ${range}` : ''})`
  }

  /**
   * The spec, so a profile serializes as the object that recreates it.
   * @example
   * JSON.stringify(LatencyProfile.fast()) // '{"distribution":"uniform","minMs":0,"maxMs":10}'
   */
  toJSON(): LatencyProfileSpec {
    return { ...this.spec }
  }
}

/** The error listing every problem of a latency spec or of injector options, one a line. */
export function latencyConfigError(what: string, where: string, problems: readonly string[], hint: string): MockWsError {
  const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`
  return new MockWsError('WSM_CONFIG', `Failed to create ${what}: ${count} in ${where}.\n${problems.map((p) => `  - ${p}`).join('\n')}\n${hint}`)
}

function preset(name: LatencyPresetName): () => LatencyProfile {
  return () => LatencyProfile.byName(name)
}

function isForeignProfile(input: unknown): input is { spec: LatencyProfileSpec; name: string } {
  if (typeof input !== 'object' || input === null) return false
  const candidate = input as Record<string, unknown>
  return (
    typeof candidate['name'] === 'string' &&
    typeof candidate['spec'] === 'object' &&
    candidate['spec'] !== null &&
    typeof candidate['model'] === 'object' &&
    typeof candidate['clamp'] === 'function'
  )
}

function validateSpec(spec: unknown): string[] {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    return [`spec: must be an object such as { distribution: 'fixed', baseMs: 50 } (got ${showValue(spec)})`]
  }
  const record = spec as Record<string, unknown>
  const problems: string[] = []

  for (const key of Object.keys(record)) {
    if (!KNOWN_FIELDS.includes(key)) {
      problems.push(`${key}: not a latency field (known fields: ${KNOWN_FIELDS.join(', ')})`)
    }
  }

  const distribution = record['distribution']
  const known = DISTRIBUTIONS.includes(distribution as LatencyDistribution)
  if (!known) {
    problems.push(
      `distribution: must be one of ${DISTRIBUTIONS.map((d) => `'${d}'`).join(', ')} (got ${showValue(distribution)})`,
    )
  }

  const valid: Partial<Record<NumericField, number>> = {}
  for (const field of NUMERIC_FIELDS) {
    const value = record[field]
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      problems.push(`${field}: must be a finite number (got ${showValue(value)})`)
    } else if (value < 0 || (value === 0 && mustBePositive(field, distribution))) {
      const bound = mustBePositive(field, distribution) ? '> 0' : '>= 0'
      const context = field === 'baseMs' && distribution === 'pareto' ? ` for 'pareto'` : ''
      problems.push(`${field}: must be ${bound}${context} (got ${value})`)
    } else {
      valid[field] = value
    }
  }

  if (!known) return problems
  const dist = distribution as LatencyDistribution
  const applicable = APPLICABLE_FIELDS[dist]
  for (const field of NUMERIC_FIELDS) {
    if (record[field] !== undefined && !applicable.includes(field)) {
      const hint = FIELD_HINTS[field]
      problems.push(`${field}: does not apply to '${dist}'${hint ? ` (${hint})` : ''}`)
    }
  }

  const present = (field: NumericField): boolean => record[field] !== undefined
  const require = (field: NumericField, why: string): void => {
    if (!present(field)) problems.push(`${field}: required for '${dist}' (${why})`)
  }
  if (dist === 'fixed') require('baseMs', 'the delay of every message')
  if (dist === 'uniform') {
    if (present('baseMs')) require('jitterMs', 'the half-width of the range around baseMs')
    else if (present('jitterMs')) require('baseMs', 'the centre of the range around which jitterMs applies')
    else if (!present('minMs') || !present('maxMs')) {
      problems.push(`minMs, maxMs: required for 'uniform' when baseMs and jitterMs are not given (the range to draw from)`)
    }
  }
  if (dist === 'normal') {
    require('baseMs', 'the mean')
    require('stdDevMs', 'the standard deviation')
  }
  if (dist === 'pareto') {
    require('baseMs', 'the scale, i.e. the smallest draw')
    require('shape', 'the tail index; 1.5–3 is typical')
    require('maxMs', 'its tail is unbounded, so cap it, e.g. maxMs: 2000')
  }
  if (valid.minMs !== undefined && valid.maxMs !== undefined && valid.minMs > valid.maxMs) {
    problems.push(`maxMs: must be >= minMs (got minMs ${valid.minMs}, maxMs ${valid.maxMs})`)
  }
  return problems
}

// shape is a divisor in the inverse CDF and a pareto scale of 0 would make every draw 0.
function mustBePositive(field: NumericField, distribution: unknown): boolean {
  return field === 'shape' || (field === 'baseMs' && distribution === 'pareto')
}

function toModel(spec: LatencyProfileSpec): LatencyModel {
  const base = spec.baseMs ?? 0
  switch (spec.distribution) {
    case 'fixed':
      return { kind: 'fixed', valueMs: base }
    case 'uniform':
      if (spec.baseMs === undefined) return { kind: 'uniform', fromMs: spec.minMs ?? 0, toMs: spec.maxMs ?? 0 }
      return { kind: 'uniform', fromMs: base - (spec.jitterMs ?? 0), toMs: base + (spec.jitterMs ?? 0) }
    case 'normal':
      return { kind: 'normal', meanMs: base, stdDevMs: spec.stdDevMs ?? 0 }
    case 'pareto':
      return { kind: 'pareto', scaleMs: base, shape: spec.shape ?? 1 }
  }
}

function naturalRange(model: LatencyModel): [number, number] {
  switch (model.kind) {
    case 'fixed':
      return [model.valueMs, model.valueMs]
    case 'uniform':
      return [model.fromMs, model.toMs]
    case 'normal':
      return model.stdDevMs === 0 ? [model.meanMs, model.meanMs] : [-Infinity, Infinity]
    case 'pareto':
      return [model.scaleMs, Infinity]
  }
}
