// A failed Playwright test carries its mocks' transcripts and HTML timelines in the report; a passing one nothing.
import { spawnSync } from 'node:child_process'
import { expect, test } from '@playwright/test'

interface JsonAttachment {
  name: string
  contentType: string
  body?: string
}
interface JsonTest {
  results: { status: string; attachments: JsonAttachment[] }[]
}
interface JsonSpec {
  title: string
  tests: JsonTest[]
}
interface JsonSuite {
  specs: JsonSpec[]
  suites?: JsonSuite[]
}

/** Our attachments (Playwright adds its own, e.g. error-context, to failed tests). */
function ours(attachments: JsonAttachment[] | undefined): JsonAttachment[] {
  return (attachments ?? []).filter((a) => a.name.startsWith('mockforge-ws-'))
}

function specs(suites: JsonSuite[]): JsonSpec[] {
  return suites.flatMap((s) => [...s.specs, ...specs(s.suites ?? [])])
}

test('failed tests get mockforge-ws-N.jsonl and .html attachments, passing tests none', async () => {
  test.setTimeout(120_000)
  const run = spawnSync('npx', ['playwright', 'test', '--config', 'e2e/failing/playwright.config.ts'], { encoding: 'utf8', env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: '' } })
  expect(run.status, run.stderr).toBe(1)
  const report = JSON.parse(run.stdout) as { suites: JsonSuite[]; stats: { expected: number; unexpected: number } }
  expect(report.stats).toMatchObject({ expected: 1, unexpected: 2 })
  const byTitle = new Map(specs(report.suites).map((s) => [s.title, s.tests[0]?.results[0]]))

  const own = byTitle.get('fails its own assertion')
  expect(own?.status).toBe('failed')
  expect(ours(own?.attachments).map((a) => `${a.name} ${a.contentType}`)).toEqual([
    'mockforge-ws-1.jsonl application/jsonl',
    'mockforge-ws-1.html text/html',
    'mockforge-ws-2.jsonl application/jsonl',
    'mockforge-ws-2.html text/html',
  ])
  const transcript = Buffer.from(ours(own?.attachments)[0]?.body ?? '', 'base64').toString('utf8')
  expect(transcript.trim().split('\n').map((l) => JSON.parse(l) as { dir: string; text?: string }).filter((f) => f.text).map((f) => `${f.dir} ${f.text}`)).toEqual(['in echo me', 'out echo me'])
  const html = Buffer.from(ours(own?.attachments)[3]?.body ?? '', 'base64').toString('utf8')
  expect(html).toContain('hello from the second mock')
  expect(html).toContain('fails its own assertion')

  const strict = byTitle.get('fails in teardown with a strict failure')
  expect(strict?.status).toBe('failed')
  expect(ours(strict?.attachments).map((a) => a.name)).toEqual(['mockforge-ws-1.jsonl', 'mockforge-ws-1.html'])
  const strictTranscript = Buffer.from(ours(strict?.attachments)[0]?.body ?? '', 'base64').toString('utf8')
  expect(strictTranscript).toContain('"failure":"step 1 (<scenario>:1): expected expect(\\"ready\\"), got \\"not ready\\""')

  expect(byTitle.get('passes')?.status).toBe('passed')
  expect(byTitle.get('passes')?.attachments).toEqual([])
})
