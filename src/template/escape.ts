import type { CompiledTemplate } from './compile.js'

const OPEN = '{{'
const ESCAPED_OPEN = '\\{{'

/**
 * Escapes text so that it renders as itself: every `{{` becomes `\{{`, which the template
 * compiler turns back into a literal `{{` (whether templates are expanded or not).
 * Recordings use it for server text, so `{"n":"{{seq}}"}` replays byte for byte.
 */
export function escapeTemplateText(text: string): string {
  return text.includes(OPEN) ? text.replaceAll(OPEN, ESCAPED_OPEN) : text
}

/**
 * Turns every `\{{` of a text into a literal `{{` and leaves everything else as written: what an
 * `out` text becomes when templates are not expanded.
 */
export function unescapeTemplateText(text: string): string {
  return text.includes(ESCAPED_OPEN) ? text.replaceAll(ESCAPED_OPEN, OPEN) : text
}

/** A template with no tokens that renders `text` with its `\{{` escapes resolved (templates off). */
export function compileLiteral(text: string): CompiledTemplate {
  const rendered = unescapeTemplateText(text)
  return { source: text, isStatic: rendered === text, usesFaker: false, tokens: [], render: () => rendered }
}
