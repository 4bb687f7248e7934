import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { v4 as uuidV4 } from 'uuid'
import { describe, expect, test } from 'vitest'
import { formatUuidV4 } from '../../src/template/compile.js'

// The core entry must not load these when imported: each costs import time in every test worker.
const LAZY_PACKAGES = ['prom-client', '@opentelemetry/api', 'commander', 'get-port', 'uuid', 'tdigest', 'bintrees']
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

function packageOf(path: string): string | undefined {
  const match = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(path)
  return match?.[1]?.replace(/\\/g, '/')
}

/** Packages a fresh Node process holds in require.cache after `code` ran. */
function loadedPackagesAfter(code: string): string[] {
  const script = `${code}; process.stdout.write(JSON.stringify(Object.keys(require.cache)))`
  const keys = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' })) as string[]
  return [...new Set(keys.map(packageOf).filter((p): p is string => p !== undefined))].sort()
}

/** Bare specifiers statically imported by an ESM file of dist/ and every chunk it imports, transitively. */
function staticImports(entry: string): Set<string> {
  const bare = new Set<string>()
  const seen = new Set<string>()
  const pending = [entry]
  // `import … from "x"`, `export … from "x"` and `import "x"`; dynamic `import("x")` is not static.
  const STATIC = /^\s*(?:import|export)\b[^'"();]*?(?:\bfrom\s*)?["']([^"']+)["'];?\s*$/gm
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue
    seen.add(file)
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(STATIC)) {
      if (specifier === undefined) continue
      if (specifier.startsWith('.')) pending.push(join(dirname(file), specifier))
      else bare.add(specifier)
    }
  }
  return bare
}

describe('importing the core', () => {
  test('the CommonJS build loads none of the lazily used packages', () => {
    const loaded = loadedPackagesAfter(`require(${JSON.stringify(join(ROOT, 'dist/index.cjs'))})`)
    expect(loaded).toContain('ws')
    expect(loaded.filter((p) => LAZY_PACKAGES.includes(p))).toEqual([])
  })

  test('the ESM build imports none of them statically', () => {
    const imports = staticImports(join(ROOT, 'dist/index.js'))
    expect(imports).toContain('ws')
    expect([...imports].filter((s) => LAZY_PACKAGES.some((p) => s === p || s.startsWith(`${p}/`)))).toEqual([])
  })

  test('a scrape loads prom-client, and only then', () => {
    const loaded = loadedPackagesAfter(
      `const core = require(${JSON.stringify(join(ROOT, 'dist/index.cjs'))}); void core.metricsText()`,
    )
    expect(loaded).toContain('prom-client')
    expect(loaded).not.toContain('uuid')
  })
})

describe('formatUuidV4', () => {
  test('gives what uuid v4({ random }) gives for the same bytes', () => {
    for (let seed = 0; seed < 64; seed++) {
      const bytes = Uint8Array.from({ length: 16 }, (_, i) => (seed * 37 + i * 101 + (seed ^ i) * 13) & 0xff)
      expect(formatUuidV4(bytes)).toBe(uuidV4({ random: Uint8Array.from(bytes) }))
    }
    expect(formatUuidV4(new Uint8Array(16).fill(0xff))).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff')
  })
})
