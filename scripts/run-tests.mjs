#!/usr/bin/env node
// Runs every test suite (build, Vitest, Jest, Playwright) and ends with one summary line:
// "tests: N passed, N failed". Suites that are not present yet are not run.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'

const out = '.test-results'
rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })

function run(label, cmd, args, env = {}) {
  console.log(`\n=== ${label}: ${cmd} ${args.join(' ')}`)
  const result = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } })
  return result.status ?? 1
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return undefined
  }
}

let passed = 0
let failed = 0
let exit = 0

exit ||= run('build', 'npx', ['tsup', '--silent'])
if (exit !== 0) {
  console.log('0 passed, 1 failed')
  process.exit(exit)
}

const vitest = run('vitest', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}/vitest.json`])
const v = readJson(`${out}/vitest.json`)
passed += v?.numPassedTests ?? 0
failed += v ? v.numFailedTests : 1
exit ||= vitest

if (existsSync('jest.config.cjs')) {
  const jest = run('jest', 'npx', ['jest', '--config', 'jest.config.cjs', '--json', `--outputFile=${out}/jest.json`])
  const j = readJson(`${out}/jest.json`)
  passed += j?.numPassedTests ?? 0
  failed += j ? j.numFailedTests : 1
  exit ||= jest
}

if (existsSync('e2e') && existsSync('playwright.config.ts')) {
  const pw = run('playwright', 'npx', ['playwright', 'test'], { PLAYWRIGHT_JSON_OUTPUT_NAME: `${out}/playwright.json` })
  const p = readJson(`${out}/playwright.json`)
  passed += p?.stats?.expected ?? 0
  failed += p ? (p.stats?.unexpected ?? 0) + (p.stats?.flaky ?? 0) : 1
  exit ||= pw
}

console.log(`\ntests: ${passed} passed, ${failed} failed`)
process.exit(exit || (failed > 0 ? 1 : 0))
