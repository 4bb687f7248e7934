import { createRandom, type Random } from '../template/random.js'
import { latencyConfigError, LatencyProfile, type LatencyProfileInput } from './profile.js'
import { sampleLatency } from './sample.js'
import { OrderedScheduler, type OrderedSchedulerOptions } from './scheduler.js'
import { deriveSeed } from '../session/seed.js'

/**
 * Which traffic a latency injector delays: server→client (`out`), client→server (`in`), or both.
 * @example
 * new LatencyInjector('3g', { direction: 'both' satisfies LatencyDirection })
 */
export type LatencyDirection = 'out' | 'in' | 'both'

const DIRECTIONS: readonly LatencyDirection[] = ['out', 'in', 'both']

/**
 * Options of a `LatencyInjector`.
 * @example
 * const options: LatencyInjectorOptions = { seed: 42, direction: 'both' }
 */
export interface LatencyInjectorOptions {
  /** Makes every draw reproducible: `sample()` and each scheduler get their own seeded stream. */
  seed?: number
  /** Traffic to delay (default `'out'`). */
  direction?: LatencyDirection
}

/**
 * Delays WebSocket messages by draws from a latency profile without ever reordering them.
 * The server creates one scheduler per connection and direction and sends through it.
 * @example
 * const injector = new LatencyInjector('4g', { seed: 7 })
 * const outbound = injector.createScheduler()
 * outbound.schedule(() => socket.send('hello'))
 */
export class LatencyInjector {
  /** The profile delays are drawn from. */
  readonly profile: LatencyProfile
  /** Traffic this injector delays. */
  readonly direction: LatencyDirection
  /** The seed, when draws are reproducible. */
  readonly seed: number | undefined
  readonly #random: Random
  #schedulers = 0

  /**
   * Resolves `profile` (name, profile, spec or fixed ms) and validates the options up front.
   * @example
   * new LatencyInjector(LatencyProfile.slow(), { direction: 'both' })
   */
  constructor(profile: LatencyProfileInput, options: LatencyInjectorOptions = {}) {
    const problems: string[] = []
    const direction = options.direction ?? 'out'
    if (!DIRECTIONS.includes(direction)) {
      problems.push(`direction: must be one of ${DIRECTIONS.map((d) => `'${d}'`).join(', ')} (got ${JSON.stringify(direction)})`)
    }
    const seed = options.seed
    if (seed !== undefined && (typeof seed !== 'number' || !Number.isFinite(seed))) {
      problems.push(`seed: must be a finite number (got ${typeof seed === 'number' ? String(seed) : (JSON.stringify(seed) ?? typeof seed)})`)
    }
    if (problems.length > 0) throw latencyConfigError('latency injector', 'the options', problems, "Pass for example { seed: 42, direction: 'out' }.")
    this.profile = LatencyProfile.from(profile)
    this.direction = direction
    this.seed = seed
    this.#random = createRandom(seed)
  }

  /**
   * Draws the next delay in ms from this injector's own stream (separate from its schedulers').
   * @example
   * new LatencyInjector('fast', { seed: 1 }).sample() // the same number on every run
   */
  sample(): number {
    return sampleLatency(this.profile, this.#random)
  }

  /**
   * Tells whether messages going `dir` (`'out'`: server→client, `'in'`: client→server) are delayed.
   * @example
   * new LatencyInjector('slow').appliesTo('in') // false
   */
  appliesTo(dir: 'in' | 'out'): boolean {
    return this.direction === 'both' || this.direction === dir
  }

  /**
   * Creates an ordered scheduler with its own random stream; with a seed, the n-th scheduler
   * created always draws the same delays, whatever the other schedulers do.
   * @example
   * const scheduler = injector.createScheduler(); scheduler.schedule(() => socket.send(data))
   */
  createScheduler(options?: OrderedSchedulerOptions): OrderedScheduler {
    const index = this.#schedulers++
    const random = this.seed === undefined ? createRandom() : createRandom(deriveSeed(this.seed, index))
    const profile = this.profile
    return new OrderedScheduler(() => sampleLatency(profile, random), options)
  }
}
