import { createRandom } from './random.js'
import type { Random } from './random.js'

/**
 * Minimal shape of a `@faker-js/faker` instance that `{{faker.PATH}}` tokens call into.
 * @example
 * const faker: FakerLike = await loadFaker(42)
 */
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
  /** The client message that satisfied the latest wait; before any wait, the latest one (text, or base64 of binary). */
  lastMessage?: string
  /** Values captured on this connection (regex named groups, `capture` paths), the latest per name. */
  match?: Readonly<Record<string, string>>
  /** A loaded faker instance, when `{{faker.*}}` tokens are used. */
  faker?: FakerLike
}

/**
 * Options of `createTemplateContext`.
 * @example
 * createTemplateContext({ seed: 1, now: () => 0, lastMessage: 'hi', match: { id: '7' } })
 */
export interface TemplateContextOptions {
  /** Seeds `{{uuid}}`, `{{randInt}}` and `{{randFloat}}`; ignored when `random` is given. */
  seed?: number
  /** Random source to use instead of one made from `seed`. */
  random?: Random
  /** Clock in ms since the epoch (default `Date.now`). */
  now?: () => number
  lastMessage?: string
  match?: Readonly<Record<string, string>>
  faker?: FakerLike
}

/**
 * Creates a template context with its own sequence counter starting at 1.
 * @example
 * const ctx = createTemplateContext({ seed: 42, now: () => Date.UTC(2024, 0, 1) })
 * compileTemplate('{{seq}} {{now}}').render(ctx) // '1 2024-01-01T00:00:00.000Z'
 */
export function createTemplateContext(opts: TemplateContextOptions = {}): TemplateContext {
  let seq = 0
  const ctx: TemplateContext = {
    random: opts.random ?? createRandom(opts.seed),
    now: opts.now ?? Date.now,
    nextSeq: () => ++seq,
  }
  if (opts.lastMessage !== undefined) ctx.lastMessage = opts.lastMessage
  if (opts.match !== undefined) ctx.match = opts.match
  if (opts.faker !== undefined) ctx.faker = opts.faker
  return ctx
}
