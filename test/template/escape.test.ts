import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { parseReplay } from '../../src/replay/parse.js'
import { compileTemplate } from '../../src/template/compile.js'
import { createTemplateContext } from '../../src/template/context.js'
import { compileLiteral, escapeTemplateText, unescapeTemplateText } from '../../src/template/escape.js'

// Texts rich in what the escape is about: braces, backslashes and real tokens.
const tricky = fc.array(fc.constantFrom('{', '}', '\\', '{{', '}}', '\\{{', '{{seq}}', '{{user}}', 'a', ' ', 'é'), { maxLength: 24 }).map((parts) => parts.join(''))
const texts = fc.oneof(tricky, fc.string())

describe('escapeTemplateText', () => {
  test('an escaped text renders as itself, templates on or off', () => {
    fc.assert(
      fc.property(texts, (text) => {
        const escaped = escapeTemplateText(text)
        expect(compileTemplate(escaped).render(createTemplateContext({ seed: 1 }))).toBe(text)
        expect(compileLiteral(escaped).render(createTemplateContext())).toBe(text)
        expect(unescapeTemplateText(escaped)).toBe(text)
      }),
      { numRuns: 500 },
    )
  })

  test('an escaped out entry plays its text back exactly, with or without template expansion', () => {
    fc.assert(
      fc.property(texts, (text) => {
        const line = JSON.stringify({ ts: 0, dir: 'out', text: escapeTemplateText(text) })
        for (const expandTemplates of [true, false]) {
          const [step] = parseReplay(line, { expandTemplates }).steps
          expect(step?.template ? step.template.render(createTemplateContext()) : step?.text).toBe(text)
        }
      }),
      { numRuns: 300 },
    )
  })

  test('examples', () => {
    expect(escapeTemplateText('{"n":"{{seq}}"}')).toBe('{"n":"\\{{seq}}"}')
    expect(escapeTemplateText('\\{{x}}')).toBe('\\\\{{x}}')
    expect(escapeTemplateText('no braces')).toBe('no braces')
    expect(compileLiteral('a \\{{b}} {{c}}').render(createTemplateContext())).toBe('a {{b}} {{c}}')
  })
})
