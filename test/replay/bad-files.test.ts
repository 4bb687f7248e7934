import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { liveMockCount, loadReplay, mockWs, ReplayParseError } from '../../src/index.js'
import { watchLeaks } from '../support/leaks.js'
import { runCli } from '../support/cli.js'

const dir = 'test/fixtures/bad'
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.jsonl'))
  .map((f) => join(dir, f))

describe('malformed replay files', () => {
  it('has at least 15 distinct malformed fixtures', () => {
    expect(files.length).toBeGreaterThanOrEqual(15)
  })

  it.each(files)('%s is rejected by mockWs() before any server starts', async (file) => {
    const leaks = watchLeaks()
    const error = await mockWs()
      .replay(file)
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(error).toBeInstanceOf(ReplayParseError)
    const issues = (error as ReplayParseError).issues
    expect(issues.length).toBeGreaterThan(0)
    for (const issue of issues) {
      expect(issue.file).toBe(file)
      expect(issue.line).toBeGreaterThanOrEqual(1)
      expect(issue.column).toBeGreaterThanOrEqual(1)
      expect((error as Error).message).toContain(`${file}:${issue.line}:${issue.column}: ${issue.message}`)
    }
    expect(liveMockCount()).toBe(0)
    await leaks.expectNone()
  })

  it('mockforge-ws validate exits 1 and prints every problem of every file as file:line:column', async () => {
    const expected: string[] = []
    for (const file of files) {
      const error = await loadReplay(file).catch((e: unknown) => e as ReplayParseError)
      for (const i of (error as ReplayParseError).issues) expected.push(`${i.file}:${i.line}:${i.column}: ${i.message}`)
    }
    const p = runCli(['validate', ...files])
    expect(await p.exited).toBe(1)
    const lines = p.stderr().trim().split('\n')
    expect(lines.slice(0, -1)).toEqual(expected)
    expect(lines.at(-1)).toBe(`${files.length} of ${files.length} files invalid`)
    expect(p.stdout()).toBe('')
  })
})
