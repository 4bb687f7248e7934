import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const readme = readFileSync('README.md', 'utf8')

describe('README', () => {
  it('opens with the two commands: the demo server and all tests', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
    const lines = firstBlock.trim().split('\n')
    expect(lines[0]).toMatch(/^npm ci && npm run demo\s+#/)
    expect(lines[1]).toMatch(/^npm ci && npm test\s+#/)
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }
    expect(pkg.scripts.demo).toBe('node dist/cli/bin.js serve --replay examples/chat.jsonl')
    expect(pkg.scripts.test).toBe('node scripts/run-tests.mjs')
  })

  it('shows the quick start exactly as examples/quick-start.test.ts, which the suite runs', () => {
    const example = readFileSync('examples/quick-start.test.ts', 'utf8').trim()
    const quickStart = /## Quick start\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1]?.trim()
    expect(quickStart).toBe(example)
  })

  it('installs every package the quick start imports (besides the test runner)', () => {
    const install = /## Install\n\n```sh\n(npm i -D [^\n]*)\n```/.exec(readme)?.[1] ?? ''
    const packages = install.replace(/^npm i -D /, '').split(/\s+/)
    const example = readFileSync('examples/quick-start.test.ts', 'utf8')
    const imported = [...example.matchAll(/from '([^'.][^']*)'/g)].map((m) => m[1]!).filter((name) => name !== 'vitest')
    expect(imported).toContain('ws')
    for (const name of imported) expect(packages, `npm i -D line installs ${name}`).toContain(name)
  })

  it('links only to docs pages that exist', () => {
    for (const [, file] of readme.matchAll(/\]\((docs\/[^)]+)\)/g)) {
      expect(() => readFileSync(file!, 'utf8'), file).not.toThrow()
    }
  })
})
