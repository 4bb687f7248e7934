// Teardown scope through real runs of each runner: after a test, only the mocks that test started are closed
// (test.concurrent tests never close one another's), Jest exits by itself, and injectGlobals: false is reported.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

/** Longest a child run may take; Jest that does not exit on its own is killed here and the test fails. */
const RUN_BOUND_MS = 60_000
/** Test timeout above the bound, so a hanging Jest fails through the bound (with its output), not the test timeout. */
const TEST_TIMEOUT_MS = RUN_BOUND_MS + 30_000

let out: string
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'mockforge-teardown-'))
})
afterAll(async () => {
  await rm(out, { recursive: true, force: true })
})

interface Run {
  code: number | null
  killed: boolean
  output: string
}

function run(cmd: string, args: string[]): Promise<Run> {
  // The parent Vitest's own variables would make the child think it is a worker.
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'TEST' && !k.startsWith('JEST')))
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { env: { ...clean, FORCE_COLOR: '0', NO_COLOR: '1' }, timeout: RUN_BOUND_MS, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      resolve({ code: child.exitCode, killed: error?.killed === true || child.signalCode !== null, output: stdout + stderr })
    })
  })
}

interface JsonReport {
  testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[]
}

async function outcomes(report: string): Promise<[string, string][]> {
  const json = JSON.parse(await readFile(report, 'utf8')) as JsonReport
  return json.testResults.flatMap((r) => r.assertionResults.map((a): [string, string] => [a.title, a.status === 'passed' ? 'passed' : `${a.status}: ${a.failureMessages.join('\n')}`]))
}

function jest(fixture: string, report: string, extra: string[] = []): Promise<Run> {
  // No --forceExit: Jest must exit by itself once the file's mocks are closed.
  return run('npx', ['jest', '--config', 'jest.config.cjs', '--testMatch', `<rootDir>/test/jest/fixtures/${fixture}`, '--json', `--outputFile=${report}`, ...extra])
}

describe('teardown closes only the mocks of the test that finished', () => {
  test('Vitest, mockforge-ws/vitest/setup: test.concurrent tests keep their own mocks', async () => {
    const report = join(out, 'vitest.json')
    const result = await run('npx', ['vitest', 'run', '--config', 'test/integrations/fixtures/vitest.fixture.config.ts', 'concurrent-setup.fixture.ts', '--reporter=json', `--outputFile=${report}`])
    expect(await outcomes(report)).toEqual([
      ['A: keeps its mock while B finishes and is torn down', 'passed'],
      ['B: finishes while A holds its mock', 'passed'],
      ['after both: each concurrent mock was closed by its own test, the beforeAll mock lives until the file ends', 'passed'],
    ])
    expect(result.code, result.output).toBe(0)
  }, TEST_TIMEOUT_MS)

  test('Jest, mockforge-ws/jest: test.concurrent tests keep their own mocks, and Jest exits by itself', async () => {
    const report = join(out, 'jest-concurrent.json')
    const result = await jest('concurrent.fixture.cjs', report)
    expect(result.killed, `Jest did not exit within ${RUN_BOUND_MS} ms:\n${result.output}`).toBe(false)
    expect(await outcomes(report)).toEqual([
      ['A: keeps its mock while B finishes', 'passed'],
      ['B: finishes while A holds its mock', 'passed'],
    ])
    expect(result.code, result.output).toBe(0)
  }, TEST_TIMEOUT_MS)
})

describe('Jest with injectGlobals: false', () => {
  test('setupFilesAfterEnv: mockforge-ws/jest refuses to start a mock nothing would close, with one sentence', async () => {
    const report = join(out, 'jest-no-globals.json')
    const result = await jest('no-globals.fixture.cjs', report, ['--injectGlobals=false'])
    expect(result.killed, `Jest did not exit within ${RUN_BOUND_MS} ms:\n${result.output}`).toBe(false)
    expect(await outcomes(report)).toEqual([['no-globals: mockWs() is refused with the installJest hint', 'passed']])
    expect(result.code, result.output).toBe(0)
  }, TEST_TIMEOUT_MS)

  test('installJest({ expect, afterEach, afterAll }) from @jest/globals in a setup file registers matchers and teardown', async () => {
    const report = join(out, 'jest-manual.json')
    const result = await jest('manual-install.fixture.cjs', report, ['--injectGlobals=false', '--setupFilesAfterEnv', '<rootDir>/test/jest/fixtures/manual-install.setup.cjs'])
    expect(result.killed, `Jest did not exit within ${RUN_BOUND_MS} ms:\n${result.output}`).toBe(false)
    expect(await outcomes(report)).toEqual([['manual: matchers and teardown from installJest()', 'passed']])
    expect(result.code, result.output).toBe(0)
  }, TEST_TIMEOUT_MS)
})
