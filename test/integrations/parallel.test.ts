// Parallel workers: suites spread over several Vitest threads/forks, Jest workers and Playwright workers and
// shards, each test with its own mock, must see no port collision, no cross-talk and no shared state. The
// suites are generated into test/integrations/.parallel/ (git-ignored) and run against the built package.
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const DIR = join(import.meta.dirname, '.parallel')
const VITEST_FILES = 8
const VITEST_TESTS = 25
const JEST_FILES = 4
const JEST_TESTS = 10
const PW_FILES = 4
const PW_TESTS = 12
// Each case starts a whole test run in child processes: minutes on a loaded 2-core machine.
const RUN_TIMEOUT_MS = 240_000

function run(cmd: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: '' } })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('close', (code) => resolve({ code, out, err }))
  })
}

// One test's body, the same in every runner: its own mock, a token only it knows, and checks that nothing
// else reached its mock and that it reached nothing else. `PORTS` collects the ports a worker used.
const body = (label: string): string => `
    const token = ${label} + ':' + process.pid + ':' + Math.random()
    const ws = await mockWs().expect(token).send('ack ' + token)
    const client = new WebSocket(ws.url)
    await new Promise((resolve, reject) => { client.once('open', resolve); client.once('error', reject) })
    client.send(token)
    const reply = await new Promise((resolve) => client.once('message', (d) => resolve(String(d))))
    expect(reply).toBe('ack ' + token)
    expect(ws.received.map((f) => f.text)).toEqual([token])
    expect(ws.failures).toEqual([])
    expect(ws.metrics.connectionsTotal).toBe(1)
    client.close()
    await new Promise((resolve) => client.once('close', resolve))`

beforeAll(() => {
  rmSync(DIR, { recursive: true, force: true })
  for (const sub of ['vitest', 'jest', 'playwright']) mkdirSync(join(DIR, sub), { recursive: true })
  writeFileSync(
    join(DIR, 'vitest', 'vitest.config.mjs'),
    `export default { test: { root: import.meta.dirname, include: ['*.test.mjs'], testTimeout: 20000 } }\n`,
  )
  for (let f = 0; f < VITEST_FILES; f++) {
    writeFileSync(
      join(DIR, 'vitest', `file-${f}.test.mjs`),
      `import WebSocket from 'ws'
import { afterAll, expect } from 'vitest'
import { liveMockCount } from 'mockforge-ws'
import { test } from 'mockforge-ws/vitest'
for (let t = 0; t < ${VITEST_TESTS}; t++) {
  test('file ${f} test ' + t, async ({ mockWs }) => {${body(`'v${f}-' + t`)}
  })
}
afterAll(() => expect(liveMockCount()).toBe(0))
`,
    )
  }
  writeFileSync(
    join(DIR, 'jest', 'jest.config.cjs'),
    `module.exports = { rootDir: __dirname, testMatch: ['<rootDir>/*.test.cjs'], testEnvironment: 'node', transform: {}, setupFilesAfterEnv: ['mockforge-ws/jest'], testTimeout: 20000 }\n`,
  )
  for (let f = 0; f < JEST_FILES; f++) {
    writeFileSync(
      join(DIR, 'jest', `file-${f}.test.cjs`),
      `const WebSocket = require('ws')
const { mockWs, liveMockCount } = require('mockforge-ws')
for (let t = 0; t < ${JEST_TESTS}; t++) {
  test('file ${f} test ' + t, async () => {${body(`'j${f}-' + t`)}
  })
}
afterAll(() => expect(liveMockCount()).toBe(0))
`,
    )
  }
  writeFileSync(
    join(DIR, 'playwright', 'playwright.config.mjs'),
    `export default { testDir: import.meta.dirname, testMatch: '*.pw.mjs', workers: 4, fullyParallel: true, timeout: 20000, reporter: 'json' }\n`,
  )
  for (let f = 0; f < PW_FILES; f++) {
    writeFileSync(
      join(DIR, 'playwright', `file-${f}.pw.mjs`),
      `import WebSocket from 'ws'
import { expect, test } from 'mockforge-ws/playwright'
for (let t = 0; t < ${PW_TESTS}; t++) {
  test('file ${f} test ' + t, async ({ mockWs }) => {${body(`'p${f}-' + t`)}
  })
}
`,
    )
  }
})

afterAll(() => rmSync(DIR, { recursive: true, force: true }))

interface VitestReport {
  numPassedTests: number
  numFailedTests: number
}

describe('parallel workers', () => {
  it.each(['threads', 'forks'])('Vitest, pool %s with 4 workers: 8 files × 25 tests, all green', async (pool) => {
    const report = join(DIR, `vitest-${pool}.json`)
    const { code, err } = await run('npx', ['vitest', 'run', '--config', join(DIR, 'vitest', 'vitest.config.mjs'), `--pool=${pool}`, '--maxWorkers=4', '--reporter=json', `--outputFile=${report}`])
    const result = JSON.parse(readFileSync(report, 'utf8')) as VitestReport
    expect({ code, passed: result.numPassedTests, failed: result.numFailedTests }, err).toEqual({ code: 0, passed: VITEST_FILES * VITEST_TESTS, failed: 0 })
  }, RUN_TIMEOUT_MS)

  it('Jest with --maxWorkers=4: 4 files × 10 tests, all green', async () => {
    const report = join(DIR, 'jest.json')
    const { code, err } = await run('npx', ['jest', '--config', join(DIR, 'jest', 'jest.config.cjs'), '--maxWorkers=4', '--json', `--outputFile=${report}`])
    const result = JSON.parse(readFileSync(report, 'utf8')) as VitestReport
    expect({ code, passed: result.numPassedTests, failed: result.numFailedTests }, err).toEqual({ code: 0, passed: JEST_FILES * JEST_TESTS, failed: 0 })
  }, RUN_TIMEOUT_MS)

  it('Playwright with 4 workers, as two shards that together run every test once, all green', async () => {
    const titles = async (extra: string[]): Promise<{ passed: string[]; failed: number }> => {
      const { out, err } = await run('npx', ['playwright', 'test', '--config', join(DIR, 'playwright', 'playwright.config.mjs'), ...extra])
      const report = JSON.parse(out) as { suites: { specs: { title: string; ok: boolean }[] }[]; stats: { unexpected: number } }
      expect(report.stats, err).toBeDefined()
      return { passed: report.suites.flatMap((s) => s.specs.filter((t) => t.ok).map((t) => t.title)), failed: report.stats.unexpected }
    }
    // Both shards run with 4 workers; together they are the whole suite, each test once.
    const first = await titles(['--shard=1/2'])
    const second = await titles(['--shard=2/2'])
    expect(first.failed + second.failed).toBe(0)
    expect(first.passed.length).toBeGreaterThan(0)
    expect(second.passed.length).toBeGreaterThan(0)
    const together = [...first.passed, ...second.passed]
    expect(new Set(together).size).toBe(together.length)
    expect(together).toHaveLength(PW_FILES * PW_TESTS)
  }, RUN_TIMEOUT_MS)
})
