// Keeps docs/vitest.md, docs/jest.md and docs/playwright.md honest: every example marked `<!-- tested: FILE -->` is,
// word for word, a test file that runs in its runner (with package imports in place of the repository's source paths),
// and the failure output shown is the one the matchers print.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { installJest } from '../../src/integrations/jest.js'
import { test } from '../../src/integrations/vitest.js'
import { connectClient } from '../support/client.js'
import { failureOf, normalize } from './support.js'

const root = new URL('../../', import.meta.url)
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8')

/** Source paths in the example files, as a user writes them. */
const PACKAGE_IMPORTS: [RegExp, string][] = [
  [/'(?:\.\.\/)+src\/integrations\/vitest-setup\.js'/g, "'mockforge-ws/vitest/setup'"],
  [/'(?:\.\.\/)+src\/integrations\/vitest\.js'/g, "'mockforge-ws/vitest'"],
  [/'(?:\.\.\/)+src\/integrations\/playwright\.js'/g, "'mockforge-ws/playwright'"],
  [/'(?:\.\.\/)+src\/index\.js'/g, "'mockforge-ws'"],
]

function asUserWritesIt(source: string): string {
  return PACKAGE_IMPORTS.reduce((text, [from, to]) => text.replace(from, to), source)
}

function testedBlocks(doc: string): { file: string; code: string }[] {
  return [...read(doc).matchAll(/<!-- tested: (\S+) -->\n```\w*\n([\s\S]*?)^```$/gm)].map((m) => ({ file: m[1] ?? '', code: m[2] ?? '' }))
}

describe.each(['docs/vitest.md', 'docs/jest.md', 'docs/playwright.md', 'docs/intercept.md', 'docs/reconnect.md', 'docs/fake-timers.md'])('%s', (doc) => {
  it('shows tested examples only as they are in the test files that run them', () => {
    const blocks = testedBlocks(doc)
    expect(blocks.length).toBeGreaterThan(0)
    for (const block of blocks) {
      expect(block.code, `${doc}: example from ${block.file}`).toBe(asUserWritesIt(read(block.file)))
    }
  })
})

describe('configuration snippets', () => {
  it('name entry points the package exports', () => {
    const exports = (JSON.parse(read('package.json')) as { exports: Record<string, unknown> }).exports
    expect(read('docs/vitest.md')).toContain("setupFiles: ['mockforge-ws/vitest/setup']")
    expect(read('docs/jest.md')).toContain("setupFilesAfterEnv: ['mockforge-ws/jest']")
    expect(Object.keys(exports)).toEqual(expect.arrayContaining(['./vitest', './vitest/setup', './jest', './playwright']))
  })

  it('launch Chromium the way this repository does', () => {
    const args = "args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking']"
    expect(read('docs/playwright.md')).toContain(args)
    expect(read('playwright.config.ts')).toContain(args)
    expect(read('docs/playwright.md')).toContain("executablePath: '/usr/bin/chromium'")
  })

  it('installJest registers the matchers and an after-each teardown on the globals it is given', () => {
    const extended: string[] = []
    const hooks: (() => Promise<void>)[] = []
    installJest({ expect: { extend: (m) => extended.push(...Object.keys(m)) }, afterEach: (fn) => hooks.push(fn) })
    expect(extended).toEqual(['toReceiveMessage', 'toHaveReceivedMessage', 'toHaveReceivedMessages', 'toHaveSentMessage', 'toHaveConnections', 'toHaveNoFailures'])
    expect(hooks).toHaveLength(1)
    expect(() => installJest({})).toThrowErrorMatchingInlineSnapshot(`[MockWsError: Failed to set up mockforge-ws/jest: Jest globals \`expect\` and \`afterEach\` are missing. List it in setupFilesAfterEnv (not setupFiles), or call installJest({ expect, afterEach, afterAll }) with the ones from '@jest/globals'.]`)
  })
})

test('the failure output in docs/vitest.md is what toReceiveMessage prints', async ({ mockWs }) => {
  const shown = /```text\n([\s\S]*?)```/.exec(read('docs/vitest.md'))?.[1] ?? ''
  const ws = await mockWs()
  const client = await connectClient(ws.url)
  for (const m of ['READY', '{"type":"subscribe","channel":"news","id":3}', '{"type":"ping"}']) {
    client.send(m)
    await client.next()
  }
  const actual = await failureOf(() => expect(ws).toReceiveMessage({ type: 'subscribe', channel: 'prices' }, { timeout: 10 }))
  expect(normalize(shown).trimEnd()).toBe(actual)
  await client.close()
})
