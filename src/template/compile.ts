import type { TemplateContext } from './context.js'

/** A template parsed once and rendered many times. */
export interface CompiledTemplate {
  readonly source: string
  /** True when the text has no tokens (render returns `source`). */
  readonly isStatic: boolean
  /** True when some token is `{{faker.*}}`. */
  readonly usesFaker: boolean
  render(ctx: TemplateContext): string
}

// STUB: replaced by the template engine work. Throws TemplateError (with `index`) on unknown tokens.
export function compileTemplate(_text: string): CompiledTemplate {
  throw new Error('compileTemplate: not implemented yet')
}
