import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { appDirection } from '../../src/index.js'

// Keeps docs/asyncapi.md honest: the example is the tested file, the direction table is the rule in code.
const DOC = readFileSync(new URL('../../docs/asyncapi.md', import.meta.url), 'utf8')

describe('docs/asyncapi.md', () => {
  test('shows examples/asyncapi-market.test.ts exactly (the suite runs it)', () => {
    const example = readFileSync(new URL('../../examples/asyncapi-market.test.ts', import.meta.url), 'utf8').trim()
    const shown = /## A mock from a document\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(DOC)?.[1]?.trim()
    expect(shown).toBe(example)
  })

  test('the direction table is appDirection()', () => {
    const rows = [...DOC.matchAll(/^\| (\d)\.x \| `(?:action: )?(\w+)` \| (sends|receives) \|/gm)]
    expect(rows).toHaveLength(4)
    for (const [, major, keyword, dir] of rows) expect(appDirection(`${major}.0.0`, keyword as string)).toBe(dir)
  })

  test('the install error quoted is the one thrown', () => {
    const source = readFileSync(new URL('../../src/asyncapi/load.ts', import.meta.url), 'utf8')
    expect(DOC).toContain('`Failed to load @asyncapi/parser: it is not installed. Run npm i -D @asyncapi/parser (version 3) to use AsyncAPI documents.`')
    expect(source).toContain('it is not installed. Run npm i -D ${ASYNCAPI_PARSER_MODULE} (version 3) to use AsyncAPI documents.')
  })
})
