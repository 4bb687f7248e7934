import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

// The first parse of a document in a process takes seconds on a loaded machine (bench/asyncapi.bench.mjs).
const PARSE_TIMEOUT_MS = 90_000

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const MARKET = join(ROOT, 'examples/asyncapi-market.yaml')
const PARSER = /[\\/]@asyncapi[\\/]parser[\\/]/
const AJV = /[\\/]node_modules[\\/]ajv(-formats)?[\\/]/

/** Runs `code` in a fresh Node process (ESM or CJS) and returns what it printed as JSON. */
async function child(code: string, opts: { cwd: string; type: 'module' | 'commonjs' }): Promise<unknown> {
  const { stdout } = await run(process.execPath, [`--input-type=${opts.type}`, '-e', code], { cwd: opts.cwd })
  return JSON.parse(stdout) as unknown
}

describe('the AsyncAPI parser is loaded only when asyncApi is used', { timeout: PARSE_TIMEOUT_MS }, () => {
  // The loaded module list: every CommonJS module (the parser is one, even when imported from ESM) is in require.cache.
  const listParserModules = `Object.keys(require.cache).filter((p) => ${PARSER}.test(p)).length`
  const listAjvModules = `Object.keys(require.cache).filter((p) => ${AJV}.test(p)).length`

  test('ESM: importing the core loads no @asyncapi/parser (nor ajv) module; asyncApi() does', async () => {
    const result = await child(
      `import { createRequire } from 'node:module'
       const require = createRequire(import.meta.url)
       const core = await import(${JSON.stringify(join(ROOT, 'dist/index.js'))})
       const before = ${listParserModules}
       const ajvBefore = ${listAjvModules}
       const ws = await core.mockWs().asyncApi(${JSON.stringify(MARKET)})
       await ws.close()
       console.log(JSON.stringify({ before, ajvBefore, after: ${listParserModules}, ajvAfter: ${listAjvModules} }))`,
      { cwd: ROOT, type: 'module' },
    )
    expect(result).toMatchObject({ before: 0, ajvBefore: 0 })
    expect((result as { after: number }).after).toBeGreaterThan(0)
    expect((result as { ajvAfter: number }).ajvAfter).toBeGreaterThan(0) // the schema validator is lazy too
  })

  test('CJS: requiring the core loads no @asyncapi/parser module; loading a document does', async () => {
    const result = await child(
      `const core = require(${JSON.stringify(join(ROOT, 'dist/index.cjs'))})
       const before = ${listParserModules}
       core.loadAsyncApi(${JSON.stringify(MARKET)}).then(() => console.log(JSON.stringify({ before, after: ${listParserModules} })))`,
      { cwd: ROOT, type: 'commonjs' },
    )
    expect(result).toMatchObject({ before: 0 })
    expect((result as { after: number }).after).toBeGreaterThan(0)
  })
})

describe('without @asyncapi/parser installed', { timeout: PARSE_TIMEOUT_MS }, () => {
  let project: string
  beforeAll(async () => {
    // A project of its own under the OS temp dir: the built package and only the dependencies the core declares.
    project = await mkdtemp(join(tmpdir(), 'mockforge-ws-no-parser-'))
    const pkgDir = join(project, 'node_modules/mockforge-ws')
    await mkdir(pkgDir, { recursive: true })
    await cp(join(ROOT, 'dist'), join(pkgDir, 'dist'), { recursive: true })
    const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
    await writeFile(join(pkgDir, 'package.json'), JSON.stringify(manifest))
    for (const dep of Object.keys(manifest.dependencies)) {
      const target = await realpath(join(ROOT, 'node_modules', dep))
      await mkdir(join(project, 'node_modules', dep, '..'), { recursive: true })
      await symlink(target, join(project, 'node_modules', dep), 'dir')
    }
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }))
  })
  afterAll(async () => {
    await rm(project, { recursive: true, force: true })
  })

  const expected = 'Failed to load @asyncapi/parser: it is not installed. Run npm i -D @asyncapi/parser (version 3) to use AsyncAPI documents.'

  test('ESM: the core imports; mockWs().asyncApi() rejects with the install hint and nothing listens', async () => {
    const result = await child(
      `import { mockWs, liveMockCount } from 'mockforge-ws'
       const ws = await mockWs() // the core works without the parser
       await ws.close()
       const error = await mockWs().asyncApi(${JSON.stringify(MARKET)}).then(() => undefined, (e) => e)
       console.log(JSON.stringify({ name: error?.name, code: error?.code, message: error?.message, live: liveMockCount() }))`,
      { cwd: project, type: 'module' },
    )
    expect(result).toEqual({ name: 'AsyncApiError', code: 'WSM_ASYNCAPI', message: expected, live: 0 })
  })

  test('CJS: the same error', async () => {
    const result = await child(
      `const { loadAsyncApi } = require('mockforge-ws')
       loadAsyncApi(${JSON.stringify(MARKET)}).catch((e) => console.log(JSON.stringify({ code: e.code, message: e.message })))`,
      { cwd: project, type: 'commonjs' },
    )
    expect(result).toEqual({ code: 'WSM_ASYNCAPI', message: expected })
  })

  test('CLI: mockforge-ws asyncapi exits 1 with the install hint', async () => {
    const error = await run(process.execPath, [join(project, 'node_modules/mockforge-ws/dist/cli/bin.js'), 'asyncapi', MARKET, '--out', join(project, 'x.jsonl')], { cwd: project }).then(
      () => undefined,
      (e: unknown) => e as { code: number; stderr: string },
    )
    expect(error).toMatchObject({ code: 1, stderr: `mockforge-ws: ${expected}\n` })
  })
})
