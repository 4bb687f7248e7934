// Strict-mode failures of a mock the test left open fail that test, in every runner, through a real run of it.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

/** What every runner's report says about one test. */
interface Outcome {
  title: string
  passed: boolean
  message: string
}

/** How long one runner's child process may take. */
const CHILD_TIMEOUT_MS = 120_000

let out: string
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'mockforge-runners-'))
})
afterAll(async () => {
  await rm(out, { recursive: true, force: true })
})

/** Runs a command to completion; a failing exit is expected here (a test fails on purpose). */
function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  // The parent Vitest's own variables would make the child think it is a worker.
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'TEST'))
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...clean, ...env, FORCE_COLOR: '0', NO_COLOR: '1' }, timeout: CHILD_TIMEOUT_MS }, () => resolve())
  })
}

function expectStrictFailureFailsOnlyThatTest(outcomes: Outcome[], prefix: string): void {
  expect(outcomes.map((o) => [o.title, o.passed])).toEqual([
    [`${prefix}: leaves a strict mock with a failure open`, false],
    [`${prefix}: the next test is unaffected`, true],
  ])
  const message = outcomes[0]?.message ?? ''
  expect(message).toContain('mockforge-ws: 1 scenario failure')
  expect(message).toContain('expected: expect("hello")')
  expect(message).toContain('actual:   "goodbye"')
  expect(message).toMatch(/←\s+goodbye/)
}

interface VitestJson {
  testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[]
}

async function vitestOutcomes(file: string): Promise<Outcome[]> {
  const report = join(out, `${file}.json`)
  await run('npx', ['vitest', 'run', '--config', 'test/integrations/fixtures/vitest.fixture.config.ts', file, '--reporter=json', `--outputFile=${report}`])
  const json = JSON.parse(await readFile(report, 'utf8')) as VitestJson
  return json.testResults.flatMap((r) =>
    r.assertionResults.map((a) => ({ title: a.title, passed: a.status === 'passed', message: a.failureMessages.join('\n') })),
  )
}

// Each test starts a whole runner (npx, its config, a browser for Playwright): on a loaded 2-core machine that
// alone took over 20 s. The bound is the child's own timeout.
describe('a strict failure left open fails the test that left it, and only that test', { timeout: CHILD_TIMEOUT_MS + 10_000 }, () => {
  test('Vitest, mockWs fixture from mockforge-ws/vitest', async () => {
    expectStrictFailureFailsOnlyThatTest(await vitestOutcomes('strict-fixture.fixture.ts'), 'fixture')
  })

  test('Vitest, plain mockWs with mockforge-ws/vitest/setup', async () => {
    expectStrictFailureFailsOnlyThatTest(await vitestOutcomes('strict-setup.fixture.ts'), 'setup')
  })

  test('Jest, require("mockforge-ws") with setupFilesAfterEnv mockforge-ws/jest', async () => {
    const report = join(out, 'jest.json')
    await run('npx', [
      'jest',
      '--config',
      'jest.config.cjs',
      '--testMatch',
      '<rootDir>/test/jest/fixtures/strict.fixture.cjs',
      '--json',
      `--outputFile=${report}`,
    ])
    const json = JSON.parse(await readFile(report, 'utf8')) as VitestJson
    const outcomes = json.testResults.flatMap((r) =>
      r.assertionResults.map((a) => ({ title: a.title, passed: a.status === 'passed', message: a.failureMessages.join('\n') })),
    )
    expectStrictFailureFailsOnlyThatTest(outcomes, 'jest')
  })

  test('Playwright, mockWs fixture from mockforge-ws/playwright', async () => {
    const report = join(out, 'playwright.json')
    await run('npx', ['playwright', 'test', '--config', 'test/integrations/fixtures/playwright.fixture.config.ts'], {
      PLAYWRIGHT_JSON_OUTPUT_NAME: report,
    })
    interface Spec {
      title: string
      tests: { results: { status: string; errors: { message?: string }[] }[] }[]
    }
    const json = JSON.parse(await readFile(report, 'utf8')) as { suites: { specs: Spec[] }[] }
    const outcomes = json.suites.flatMap((s) =>
      s.specs.map((spec) => {
        const result = spec.tests[0]?.results[0]
        return {
          title: spec.title,
          passed: result?.status === 'passed',
          message: (result?.errors ?? []).map((e) => e.message ?? '').join('\n'),
        }
      }),
    )
    expectStrictFailureFailsOnlyThatTest(outcomes, 'playwright')
  })
})
