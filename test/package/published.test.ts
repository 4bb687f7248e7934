// The package as a user installs it: the packed tarball in a project of its own under os.tmpdir().
import { existsSync, readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createUserProject, type UserProject } from './support.js'

interface Manifest {
  exports: Record<string, string | { import: { types: string }; require: { types: string; default: string } }>
  typesVersions: Record<string, Record<string, string[]>>
  sideEffects: string[]
  bin: Record<string, string>
  files: string[]
}
const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as Manifest

let project: UserProject
beforeAll(async () => {
  project = await createUserProject()
}, 120_000)
afterAll(async () => {
  await project?.remove()
})

/** tsc's diagnostics that concern this package or the user's own files (not third-party declarations). */
function ours(output: string): string[] {
  return output.split('\n').filter((line) => /error TS/.test(line) && (/mockforge-ws/.test(line) || /^(esm|cjs)\.c?ts/.test(line)))
}

const compilerOptions = { strict: true, skipLibCheck: false, noEmit: true, types: ['node'], lib: ['ES2023', 'DOM'], target: 'ES2022' }

describe('type declarations', () => {
  test('type-check without @types/ws under skipLibCheck: false (node16, ESM)', async () => {
    await project.write(
      'esm.ts',
      [
        "import { mockWs, type MockWs } from 'mockforge-ws'",
        "import { test } from 'mockforge-ws/vitest'",
        "import 'mockforge-ws/vitest/setup'",
        "import { installJest } from 'mockforge-ws/jest'",
        "import { routeToMock } from 'mockforge-ws/playwright'",
        "import { toMswHandler } from 'mockforge-ws/msw'",
        "import { expect } from 'vitest'",
        'export async function check(): Promise<void> {',
        '  const ws: MockWs = await mockWs()',
        '  const conn = await ws.nextConnection()',
        '  const queued: number = conn.socket.bufferedAmount',
        "  await expect(ws).toReceiveMessage('hello')",
        '  void [test, installJest, routeToMock, toMswHandler, queued]',
        '}',
      ].join('\n'),
    )
    await project.write('tsconfig.esm.json', JSON.stringify({ compilerOptions: { ...compilerOptions, module: 'nodenext', moduleResolution: 'nodenext' }, files: ['esm.ts'] }))
    const { code, output } = await project.tsc('tsconfig.esm.json')
    expect(ours(output)).toEqual([])
    expect(output).not.toContain("Could not find a declaration file for module 'ws'")
    expect(code, output).toBe(0)
  }, 120_000)

  // Vitest's own declarations do not resolve under node10, so its entries are left to attw's node10 check in CI.
  test('the entries resolve under moduleResolution node10 ("module": "commonjs"), Jest matchers included', async () => {
    await project.write(
      'cjs.ts',
      [
        "import { expect } from '@jest/globals'",
        "import { mockWs } from 'mockforge-ws'",
        "import 'mockforge-ws/jest'",
        "import { routeToMock } from 'mockforge-ws/playwright'",
        "import { toMswHandler } from 'mockforge-ws/msw'",
        'export async function check(): Promise<void> {',
        '  const ws = await mockWs()',
        "  await expect(ws).toReceiveMessage('hello')",
        '  void [routeToMock, toMswHandler]',
        '}',
      ].join('\n'),
    )
    await project.write(
      'tsconfig.cjs.json',
      JSON.stringify({ compilerOptions: { ...compilerOptions, module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true }, files: ['cjs.ts'] }),
    )
    const { code, output } = await project.tsc('tsconfig.cjs.json')
    expect(ours(output)).toEqual([])
    expect(code, output).toBe(0)
  }, 120_000)

  test('typesVersions maps every subpath export to its types (the rule for adding an entry)', () => {
    // node10 ignores `exports`; each subpath needs one typesVersions line: its CommonJS types, or for the ESM-only
    // Vitest entries their ESM types.
    const expected: Record<string, string[]> = {}
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      if (subpath === '.' || typeof target === 'string') continue
      const esmOnly = target.require.default.startsWith('./esm-only/')
      expected[subpath.slice(2)] = [esmOnly ? target.import.types : target.require.types]
    }
    expect(
      manifest.typesVersions['*'],
      'each subpath in package.json "exports" needs one typesVersions["*"] line, e.g. "socket.io": ["./dist/kits/socket-io/index.d.cts"] (its require types; the import types for ESM-only entries)',
    ).toEqual(expected)
  })
})

describe('the published files', () => {
  test('LICENSE, CHANGELOG.md and everything exports, bin and sideEffects name are in the tarball', () => {
    const files = new Set(project.pack.files.map((f) => f.path))
    expect(files.has('LICENSE')).toBe(true)
    expect(files.has('CHANGELOG.md')).toBe(true)
    expect(readFileSync('LICENSE', 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} mockforge-ws contributors\n/)
    const named = [
      ...Object.values(manifest.exports).flatMap((t) => (typeof t === 'string' ? [t] : [t.import.types, t.require.types, t.require.default])),
      ...Object.values(manifest.bin),
      ...Object.values(manifest.typesVersions['*']!).flat(),
    ]
    for (const path of named) expect(files.has(path.replace(/^\.\//, '')), path).toBe(true)
    for (const pattern of manifest.sideEffects) {
      const re = new RegExp(`^${pattern.replace(/^\.\//, '').replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`)
      expect([...files].some((f) => re.test(f)), pattern).toBe(true)
    }
  })

  test('the CLI ships as ESM only, without declarations; the Vitest entries without a CommonJS build', () => {
    const shipped = project.pack.files.map((f) => f.path)
    expect(shipped.filter((f) => f.startsWith('dist/cli/'))).toEqual(['dist/cli/bin.js', 'dist/cli/bin.js.map'].filter((f) => shipped.includes(f)))
    expect(shipped).toContain('dist/cli/bin.js')
    expect(shipped.filter((f) => /^dist\/integrations\/vitest(-setup)?\.(cjs|d\.cts)/.test(f))).toEqual([])
    // The built files are still there for the shared chunks; only the tarball leaves them out.
    expect(existsSync('dist/cli/bin.js')).toBe(true)
  })

  test('side effects: only the runner setup entries, the Vitest fixture entry (matchers) and the CLI', () => {
    expect(manifest.sideEffects).toEqual([
      './dist/integrations/vitest.js',
      './dist/integrations/vitest-setup.js',
      './dist/integrations/jest.js',
      './dist/integrations/jest.cjs',
      './dist/cli/bin.js',
      './esm-only/*.cjs',
    ])
  })
})

describe('require() of the Vitest entries', () => {
  test.each([
    ['mockforge-ws/vitest', "Failed to load mockforge-ws/vitest: Vitest cannot be loaded with require(). Import it from an ES module instead: import { test } from 'mockforge-ws/vitest' (Vitest runs test files as ES modules, whatever your package's type)."],
    ['mockforge-ws/vitest/setup', "Failed to load mockforge-ws/vitest/setup: Vitest cannot be loaded with require(). List it in Vitest's setupFiles (setupFiles: ['mockforge-ws/vitest/setup']) or import it from an ES module."],
  ])('require(%j) throws one sentence saying to use ESM', async (entry, message) => {
    const script = `try { require(${JSON.stringify(entry)}); console.log('loaded') } catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })) }`
    const { stdout } = await project.node(script)
    expect(JSON.parse(stdout)).toEqual({ name: 'MockWsError', code: 'WSM_CONFIG', message })
  })

  test('the CommonJS entries still load with require()', async () => {
    const { stdout, stderr } = await project.node(
      "const m = require('mockforge-ws'); const j = require('mockforge-ws/jest'); console.log(typeof m.mockWs, typeof j.installJest)",
    )
    expect(stdout.trim(), stderr).toBe('function function')
  })

  test('loadReplay reads a replay file through the CommonJS and the ESM entry (node:fs/promises is imported on demand)', async () => {
    await project.write('chat.jsonl', '{"ts":0,"dir":"out","text":"hi"}\n{"ts":5,"dir":"out","text":"bye"}\n')
    const { stdout, stderr } = await project.node(
      "const load = (m) => m.loadReplay('chat.jsonl').then((r) => r.steps.length); Promise.all([load(require('mockforge-ws')), import('mockforge-ws').then(load)]).then((n) => console.log(n.join(' ')))",
    )
    expect(stdout.trim(), stderr).toBe('2 2')
  })
})
