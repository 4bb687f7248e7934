import { compileTemplate } from './compile.js'
import type { CompiledTemplate } from './compile.js'
import { createTemplateContext } from './context.js'
import type { TemplateContext } from './context.js'

/**
 * Context accepted by `expandTokens`: any part of a `TemplateContext`, plus a seed for a fresh random source.
 * @example
 * expandTokens('{{now}} {{randInt 1 6}}', { now: () => 0, seed: 42 })
 */
export type ExpandTokensContext = Partial<TemplateContext> & { seed?: number }

/** Number of compiled templates `expandTokens` keeps; the oldest is dropped beyond it. */
export const MAX_CACHED_TEMPLATES = 256
/** Texts longer than this are compiled on every call rather than cached, to bound the cache's memory. */
export const MAX_CACHED_TEMPLATE_LENGTH = 64 * 1024

const cache = new Map<string, CompiledTemplate>()

/**
 * Expands every template token in `text`; throws `TemplateError` for an unknown or malformed token.
 * Without a `nextSeq` or `random`, each call starts a fresh sequence (1) and random source.
 * @example
 * expandTokens('{"id":"{{uuid}}","at":"{{now+1m}}"}')
 * expandTokens('{{randInt 1 6}}', { seed: 42 }) // same result for the same seed
 */
export function expandTokens(text: string, ctx: ExpandTokensContext = {}): string {
  if (!text.includes('{{')) return text
  const template = compiled(text)
  if (template.isStatic) return text
  return template.render(completeContext(ctx))
}

function compiled(text: string): CompiledTemplate {
  const hit = cache.get(text)
  if (hit !== undefined) return hit
  const template = compileTemplate(text)
  if (text.length <= MAX_CACHED_TEMPLATE_LENGTH) {
    if (cache.size >= MAX_CACHED_TEMPLATES) {
      const oldest = cache.keys().next()
      if (oldest.done !== true) cache.delete(oldest.value)
    }
    cache.set(text, template)
  }
  return template
}

function completeContext(ctx: ExpandTokensContext): TemplateContext {
  const { random, now, nextSeq } = ctx
  if (random !== undefined && now !== undefined && nextSeq !== undefined) return ctx as TemplateContext
  const full = createTemplateContext({
    seed: ctx.seed,
    random,
    now,
    lastMessage: ctx.lastMessage,
    match: ctx.match,
    faker: ctx.faker,
  })
  if (nextSeq !== undefined) full.nextSeq = nextSeq
  return full
}
