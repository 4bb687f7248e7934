import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'

// The shared leaf modules run in the browser bundle and sit below everything else: no node:* imports,
// no Buffer, and nothing imported but constants, errors and each other (so they can never be in a cycle).
const LEAVES = ['bytes', 'close-codes', 'describe', 'seed', 'to-error']
const ALLOWED = new Set(['../constants.js', '../errors.js', ...LEAVES.map((name) => `./${name}.js`)])

describe('session leaf modules', () => {
  it.each(LEAVES)('%s.ts is node-free and imports only constants, errors and other leaves', async (name) => {
    const source = await readFile(new URL(`../../src/session/${name}.ts`, import.meta.url), 'utf8')
    const imports = [...source.matchAll(/^(?:import|export)[^'"]*from\s+'([^']+)'/gm)].map((m) => m[1])
    for (const specifier of imports) expect(ALLOWED.has(specifier as string), `${name}.ts imports ${specifier}`).toBe(true)
    const code = source.replace(/^\s*(\/\/|\/\*\*|\*).*$/gm, '')
    expect(code).not.toMatch(/\bBuffer\b|\bprocess\.|node:/)
  })
})
