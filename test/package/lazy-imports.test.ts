import { execFileSync } from 'node:child_process'
import { dirname, join, resolve, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, test } from 'vitest'

// What a plain `import('mockforge-ws')` must not load: each costs import time in every test worker
// (regexpp alone was about a third of the core's import time). They load on first use.
const LAZY = ['@eslint-community/regexpp', 'ajv', 'ajv-formats', 'commander', 'get-port', 'prom-client', '@opentelemetry/api', 'uuid', 'tdigest', 'bintrees', 'jsonc-parser']
// Each ES module file costs a resolve, a read and a link (about 1 ms here): the core entry is
// dist/index.js and the shared chunks tsup.config.ts keeps it to (20 files before that layout).
const MAX_CORE_FILES = 5
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const ENTRY = pathToFileURL(join(ROOT, 'dist/index.js')).href
const HOOK = pathToFileURL(join(ROOT, 'test/package/loaded-packages-hook.mjs')).href

function packageOf(path: string): string | undefined {
  const match = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(path)
  return match?.[1]?.replace(/\\/g, '/')
}

/**
 * Files a fresh ESM process loaded (through the ESM loader or `require`) after importing the
 * core's ESM build and running `body` (with `core` in scope).
 */
function filesLoadedBy(body: string): string[] {
  const script = `
    import { createRequire, register } from 'node:module'
    import { MessageChannel } from 'node:worker_threads'
    const { port1, port2 } = new MessageChannel()
    const urls = []
    port1.on('message', (url) => urls.push(url))
    register(${JSON.stringify(HOOK)}, { data: { port: port2 }, transferList: [port2] })
    const core = await import(${JSON.stringify(ENTRY)})
    ${body}
    // Let the hook thread's last messages arrive.
    await new Promise((resolve) => setImmediate(resolve))
    port1.close()
    const files = [...urls, ...Object.keys(createRequire(import.meta.url).cache)]
    process.stdout.write(JSON.stringify(files))
  `
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' })
  return [...new Set(JSON.parse(out) as string[])]
}

/** Packages loaded by `body` (see filesLoadedBy). */
function packagesLoadedBy(body: string): string[] {
  return [...new Set(filesLoadedBy(body).map(packageOf).filter((p): p is string => p !== undefined))].sort()
}

describe('a plain import of the core (ESM build)', () => {
  test('loads ws and none of the lazily used packages', () => {
    const loaded = packagesLoadedBy('')
    expect(loaded).toContain('ws')
    expect(loaded.filter((p) => LAZY.includes(p))).toEqual([])
  })

  test(`loads at most ${MAX_CORE_FILES} files of dist/`, () => {
    const dist = pathToFileURL(join(ROOT, 'dist')).href + '/'
    const own = filesLoadedBy('').filter((url) => url.startsWith(dist))
    expect(own).toContain(ENTRY)
    expect(own.length, own.join('\n')).toBeLessThanOrEqual(MAX_CORE_FILES)
  })

  test('jsonc-parser loads on the first line that is not JSON, and words the error', () => {
    const loaded = packagesLoadedBy(`
      let message = ''
      try { core.parseReplay('{"ts":0,"dir":"out","text":"hi",}') } catch (error) { message = error.message }
      if (!message.includes(':1:33: invalid JSON: expected a double-quoted property name (trailing comma?)')) throw new Error('unexpected: ' + message)
    `)
    expect(loaded).toContain('jsonc-parser')
  })

  test('a mock started on port 0, used and closed, loads none of them either', () => {
    const loaded = packagesLoadedBy(`
      const ws = await core.mockWs()
      await ws.close()
      core.parseReplay('{"ts":0,"dir":"out","text":"hi","waitFor":"^hello$"}')
    `)
    expect(loaded.filter((p) => LAZY.includes(p))).toEqual([])
  })

  test('regexpp loads when a replay regex needs the backtracking check, and only then', () => {
    const loaded = packagesLoadedBy(`core.parseReplay('{"ts":0,"dir":"out","text":"hi","waitFor":"^[a-z]+$"}')`)
    expect(loaded).toContain('@eslint-community/regexpp')
    expect(loaded).not.toContain('ajv')
  })

  test('a hazardous regex is still refused after the lazy load', () => {
    const loaded = packagesLoadedBy(`
      let message = ''
      try { core.parseReplay('{"ts":0,"dir":"out","text":"hi","waitFor":"(a+)+$"}') } catch (error) { message = error.message }
      if (!/backtrack/.test(message)) throw new Error('expected a backtracking error, got: ' + message)
    `)
    expect(loaded).toContain('@eslint-community/regexpp')
  })
})

describe('a plain require of the core (CJS build)', () => {
  test(`loads at most ${MAX_CORE_FILES} files of dist/ and no jsonc-parser`, () => {
    const script = `require(${JSON.stringify(join(ROOT, 'dist/index.cjs'))}); process.stdout.write(JSON.stringify(Object.keys(require.cache)))`
    const files = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' })) as string[]
    const own = files.filter((file) => file.startsWith(join(ROOT, 'dist') + sep))
    expect(own).toContain(join(ROOT, 'dist/index.cjs'))
    expect(own.length, own.join('\n')).toBeLessThanOrEqual(MAX_CORE_FILES)
    expect(files.map(packageOf)).not.toContain('jsonc-parser')
  })
})
