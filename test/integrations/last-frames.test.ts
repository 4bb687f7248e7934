// Failure timelines where Vitest and Jest users look: a failed test's output ends with the last frames of the
// mocks it started; a passing test gets nothing. Real child runs of each runner, their JSON reports read back.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

const RUN_BOUND_MS = 90_000
let out: string
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'mockforge-last-frames-'))
})
afterAll(async () => {
  await rm(out, { recursive: true, force: true })
})

function run(cmd: string, args: string[]): Promise<void> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'TEST' && !k.startsWith('JEST')))
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...clean, FORCE_COLOR: '0', NO_COLOR: '1' }, timeout: RUN_BOUND_MS, killSignal: 'SIGKILL' }, () => resolve())
  })
}

interface JsonReport {
  testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[]
}

/** The report's outcomes, with the parts that change run to run (ports, times) made stable. */
async function outcomes(report: string): Promise<Record<string, { status: string; frames?: string }>> {
  const json = JSON.parse(await readFile(report, 'utf8')) as JsonReport
  const result: Record<string, { status: string; frames?: string }> = {}
  for (const a of json.testResults.flatMap((r) => r.assertionResults)) {
    const all = a.failureMessages.join('\n')
    const at = all.indexOf('mockforge-ws: what the mock')
    const frames = at === -1 ? undefined : all.slice(at).split('\n').filter((l) => !/^\s+at /.test(l)).join('\n').replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT').replace(/ +\+\d+ms/g, ' +Tms').trimEnd()
    result[a.title] = { status: a.status, ...(frames !== undefined ? { frames } : {}) }
  }
  return result
}

describe('a failed test carries its mocks last frames', () => {
  test('Vitest with mockforge-ws/vitest/setup', async () => {
    const report = join(out, 'setup.json')
    await run('npx', ['vitest', 'run', '--config', 'test/integrations/fixtures/vitest.fixture.config.ts', 'last-frames-setup.fixture.ts', '--reporter=json', `--outputFile=${report}`])
    expect(await outcomes(report)).toMatchInlineSnapshot(`
      {
        "fails after talking to its mock": {
          "frames": "mockforge-ws: what the mock of this test saw last
      mock ws://127.0.0.1:PORT/ws
        transcript (3 frames; → server to client, ← client to server):
          #1 +Tms  ←  {"type":"hello"}
          #1 +Tms  →  {"type":"hello"}
          #1 +Tms  ←  close 1005",
          "status": "failed",
        },
        "passes after talking to its mock": {
          "status": "passed",
        },
      }
    `)
  }, RUN_BOUND_MS + 10_000)

  test('Vitest with the mockWs fixture of mockforge-ws/vitest', async () => {
    const report = join(out, 'fixture.json')
    await run('npx', ['vitest', 'run', '--config', 'test/integrations/fixtures/vitest.fixture.config.ts', 'last-frames-fixture.fixture.ts', '--reporter=json', `--outputFile=${report}`])
    expect(await outcomes(report)).toMatchInlineSnapshot(`
      {
        "fails after talking to its fixture mock": {
          "frames": "mockforge-ws: what the mock of this test saw last
      mock ws://127.0.0.1:PORT/ws
        transcript (3 frames; → server to client, ← client to server):
          #1 +Tms  →  welcome
          #1 +Tms  ←  <binary 3 bytes: 010203>
          #1 +Tms  ←  close 1005",
          "status": "failed",
        },
      }
    `)
  }, RUN_BOUND_MS + 10_000)

  test('Jest with mockforge-ws/jest', async () => {
    const report = join(out, 'jest.json')
    await run('npx', ['jest', '--config', 'jest.config.cjs', '--testMatch', '<rootDir>/test/jest/fixtures/last-frames.fixture.cjs', '--json', `--outputFile=${report}`])
    expect(await outcomes(report)).toMatchInlineSnapshot(`
      {
        "fails after talking to its mock": {
          "frames": "mockforge-ws: what the mock of this test saw last
      mock ws://127.0.0.1:PORT/ws
        transcript (3 frames; → server to client, ← client to server):
          #1 +Tms  ←  ping
          #1 +Tms  →  ping
          #1 +Tms  ←  close 1005",
          "status": "failed",
        },
        "passes": {
          "status": "passed",
        },
      }
    `)
  }, RUN_BOUND_MS + 10_000)
})
