// No import cycle in src/ (issue #15, "Must show"): the import graph of every file, walked with the TypeScript
// compiler API.
//
// What counts as an edge:
// - static imports and re-exports (`import … from`, `export … from`, side-effect `import './x.js'`);
// - type-only ones too (`import type`, `export type`, `typeof import('./x.js')`): erased at run time, but a type
//   cycle is still two modules that cannot be understood (or moved) one without the other;
// - dynamic `import('./x.js')` of a file in src/ as well: loading it lazily changes when the dependency is paid
//   for, not that it exists (today: the CLI loading its `/metrics` and `validate` parts on first use).
// Package specifiers are never part of the graph, so a lazy optional-peer import (`import('openai')`,
// `import(specifier)`) cannot make a cycle.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { describeCycle, findCycles, formatCycle, importGraph, referencesOf, type ImportGraph } from '../support/import-graph.js'

/**
 * Cycles allowed on purpose: none since the session redesign (issue #15) broke the builder ↔ features cycles.
 * The test also fails when a listed cycle is gone, so an entry added here cannot outlive its reason.
 */
const KNOWN_CYCLES: readonly string[] = []

describe('the import graph walker', () => {
  const dirs: string[] = []
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true })
  })

  async function project(files: Record<string, string>): Promise<ImportGraph> {
    const dir = await mkdtemp(join(tmpdir(), 'mockforge-import-graph-'))
    dirs.push(dir)
    for (const [name, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, name)), { recursive: true })
      await writeFile(join(dir, name), text)
    }
    return importGraph(dir)
  }

  test('tells static, type-only and dynamic references apart, with their lines', () => {
    const refs = referencesOf(
      'x.ts',
      [
        "import { a } from './a.js'",
        "import type { B } from './b.js'",
        "import { type C, type D } from './c.js'",
        "import { type E, f } from './e.js'",
        "export * from './g.js'",
        "export type { H } from './h.js'",
        "import './side-effect.js'",
        "type I = typeof import('./i.js')",
        "const j = () => import('./j.js')",
        "import ws from 'ws'",
      ].join('\n'),
    )
    expect(refs).toEqual([
      { specifier: './a.js', kind: 'static', line: 1 },
      { specifier: './b.js', kind: 'type', line: 2 },
      { specifier: './c.js', kind: 'type', line: 3 },
      { specifier: './e.js', kind: 'static', line: 4 },
      { specifier: './g.js', kind: 'static', line: 5 },
      { specifier: './h.js', kind: 'type', line: 6 },
      { specifier: './side-effect.js', kind: 'static', line: 7 },
      { specifier: './i.js', kind: 'type', line: 8 },
      { specifier: './j.js', kind: 'dynamic', line: 9 },
      { specifier: 'ws', kind: 'static', line: 10 },
    ])
  })

  test('finds every cycle, type-only and lazy ones included, and leaves packages out', async () => {
    const graph = await project({
      'a.ts': "import { b } from './b.js'\nimport ws from 'ws'\nexport const a = 1",
      'b.ts': "import type { A } from './a.js'\nimport { c } from './dir/index.js'\nexport const b = 2",
      'dir/index.ts': "export { d } from '../d.js'\nexport const c = 3",
      'd.ts': "export const d = async () => (await import('./b.js')).b",
      'leaf.ts': "import { a } from './a.js'\nexport const leaf = a",
    })
    expect(graph.files).toEqual(['a.ts', 'b.ts', 'd.ts', 'dir/index.ts', 'leaf.ts'])
    expect(graph.unresolved).toEqual([])
    const cycles = findCycles(graph.edges)
    expect(cycles.map(formatCycle)).toEqual(['a.ts → b.ts → a.ts', 'b.ts → dir/index.ts → d.ts → b.ts'])
    expect(describeCycle(cycles[1]!, graph.edges)).toEqual([
      'b.ts:2 → dir/index.ts (static)',
      'dir/index.ts:1 → d.ts (static)',
      'd.ts:1 → b.ts (dynamic)',
    ])
  })

  test('reports a relative specifier that resolves to no file', async () => {
    const graph = await project({ 'a.ts': "import { b } from './missing.js'\nexport const a = b" })
    expect(graph.unresolved).toEqual([{ from: 'a.ts', specifier: './missing.js', line: 1 }])
  })
})

describe('src/', () => {
  const graph = importGraph('src')

  test('every relative import resolves to a file of src/', () => {
    expect(graph.files.length).toBeGreaterThan(50)
    expect(graph.unresolved).toEqual([])
  })

  test('has no import cycle besides the known ones of issue #15 (and every known one still exists)', () => {
    const cycles = findCycles(graph.edges)
    const found = new Set(cycles.map(formatCycle))
    const unexpected = cycles
      .filter((c) => !KNOWN_CYCLES.includes(formatCycle(c)))
      .map((c) => [formatCycle(c), ...describeCycle(c, graph.edges).map((line) => `    ${line}`)].join('\n'))
    const gone = KNOWN_CYCLES.filter((c) => !found.has(c))
    const problems = [
      ...(unexpected.length ? [`${unexpected.length} import cycle(s) in src/ (break each by moving what both sides need to a leaf module):`, ...unexpected] : []),
      ...(gone.length ? [`${gone.length} known cycle(s) no longer exist: remove them from KNOWN_CYCLES in test/package/import-cycles.test.ts:`, ...gone] : []),
    ]
    expect(problems.join('\n')).toBe('')
  })
})
