import type { Random } from './random.js'

/** Minimal shape of a `@faker-js/faker` instance that `{{faker.PATH}}` tokens call into. */
export type FakerLike = Record<string, unknown>

/**
 * Everything a template needs to render: randomness, clock, per-connection sequence and the
 * last client message / captured groups.
 * @example
 * const ctx = createTemplateContext({ seed: 42 })
 */
export interface TemplateContext {
  random: Random
  /** Wall clock in ms since the epoch (injectable for tests). */
  now: () => number
  /** Returns the next sequence number (1, 2, 3, ...) of this context. */
  nextSeq: () => number
  /** The last client message (text, or base64 of binary). */
  lastMessage?: string
  /** Named groups captured by the last satisfied `waitFor`/`match`. */
  match?: Readonly<Record<string, string>>
  /** A loaded faker instance, when `{{faker.*}}` tokens are used. */
  faker?: FakerLike
}
