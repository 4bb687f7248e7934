// Keeps docs/graphql.md honest: every `ts` block runs as written (against the sources, with the package's
// entry points resolved to src/), leaves nothing open behind it, and the example marked
// `<!-- tested: FILE -->` is, word for word, a Vitest file that runs.
import { readFileSync } from 'node:fs'
import * as assertStrict from 'node:assert/strict'
import * as graphqlWs from 'graphql-ws'
import ts from 'typescript'
import * as ws from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import * as core from '../../../src/index.js'
import * as kit from '../../../src/kits/graphql/index.js'
import { watchLeaks } from '../../reliability/support.js'

const root = new URL('../../../', import.meta.url)
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8')
const DOC = read('docs/graphql.md')

interface Block {
  code: string
  line: number
  tested?: string
}

const blocks: Block[] = [...DOC.matchAll(/^(?:<!-- tested: (\S+) -->\n)?```ts\n([\s\S]*?)^```$/gm)].map((m) => ({
  code: m[2] ?? '',
  line: DOC.slice(0, m.index).split('\n').length,
  ...(m[1] ? { tested: m[1] } : {}),
}))

// Marked as ES modules so that the transpiled default imports (`import WebSocket from 'ws'`) find their default export.
const esm = (ns: object): unknown => ({ __esModule: true, ...ns })
const modules: Record<string, unknown> = {
  'mockforge-ws': esm(core),
  'mockforge-ws/graphql': esm(kit),
  'graphql-ws': esm(graphqlWs),
  ws: esm(ws),
  'node:assert/strict': esm(assertStrict),
}

const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...args: unknown[]) => Promise<unknown>

async function run(block: Block): Promise<void> {
  const { outputText } = ts.transpileModule(block.code, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: `graphql.md:${block.line}.ts`,
  })
  const require = (name: string): unknown => {
    const found = modules[name]
    if (!found) throw new Error(`docs/graphql.md:${block.line} imports ${name}, which the docs test does not provide`)
    return found
  }
  await new AsyncFunction('require', 'exports', outputText)(require, {})
}

afterEach(async () => {
  await core.closeAllMocks().catch(() => undefined)
})

describe('docs/graphql.md', () => {
  it('has runnable examples', () => {
    expect(blocks.filter((b) => !b.tested).length).toBeGreaterThanOrEqual(5)
  })

  for (const block of blocks.filter((b) => !b.tested)) {
    it(`example at line ${block.line} runs and leaves nothing open`, async () => {
      const leaks = watchLeaks()
      await run(block)
      expect(core.liveMockCount()).toBe(0)
      await leaks.expectNone()
    })
  }

  it('shows the Vitest example as it is in the test file that runs it', () => {
    const tested = blocks.filter((b) => b.tested)
    expect(tested.length).toBe(1)
    for (const block of tested) {
      const source = read(block.tested ?? '')
        .replace(/'(?:\.\.\/)+src\/integrations\/vitest\.js'/g, "'mockforge-ws/vitest'")
        .replace(/'(?:\.\.\/)+src\/kits\/graphql\/index\.js'/g, "'mockforge-ws/graphql'")
      expect(block.code).toBe(source)
    }
  })

  it('names the entry point the package exports', () => {
    const pkg = JSON.parse(read('package.json')) as { exports: Record<string, unknown>; peerDependenciesMeta: Record<string, { optional?: boolean }> }
    expect(Object.keys(pkg.exports)).toContain('./graphql')
    expect(pkg.peerDependenciesMeta['graphql-ws']?.optional).toBe(true)
    expect(pkg.peerDependenciesMeta['graphql']?.optional).toBe(true)
  })
})
