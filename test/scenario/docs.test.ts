import { readFileSync } from 'node:fs'
import * as assertStrict from 'node:assert/strict'
import ts from 'typescript'
import * as ws from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import * as core from '../../src/index.js'
import { formatFailureReport, jsonSubsetPattern, Scenario } from '../../src/index.js'
import type { ScenarioFailure, TranscriptFrame } from '../../src/index.js'
import { watchLeaks } from '../support/leaks.js'

// Keeps docs/scenarios.md honest: every `ts` block runs as written (against the sources, with
// 'mockforge-ws' resolved to src/index.ts), and the outputs it shows are the ones the code produces.
const DOC = readFileSync(new URL('../../docs/scenarios.md', import.meta.url), 'utf8')

interface Block {
  lang: string
  code: string
  line: number
}

const blocks: Block[] = [...DOC.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
  lang: m[1] ?? '',
  code: m[2] ?? '',
  line: DOC.slice(0, m.index).split('\n').length,
}))

function section(title: string): Block[] {
  const start = DOC.indexOf(`\n## ${title}\n`)
  expect(start).toBeGreaterThanOrEqual(0)
  const end = DOC.indexOf('\n## ', start + 1)
  const startLine = DOC.slice(0, start).split('\n').length
  const endLine = end === -1 ? Number.POSITIVE_INFINITY : DOC.slice(0, end).split('\n').length
  return blocks.filter((b) => b.line > startLine && b.line < endLine)
}

const modules: Record<string, unknown> = {
  'mockforge-ws': core,
  ws,
  'node:assert/strict': assertStrict,
}

const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...args: unknown[]) => Promise<unknown>

async function run(block: Block): Promise<void> {
  const { outputText } = ts.transpileModule(block.code, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: false },
    fileName: `scenarios.md:${block.line}.ts`,
  })
  const require = (name: string): unknown => {
    const found = modules[name]
    if (!found) throw new Error(`docs/scenarios.md:${block.line} imports ${name}, which the docs test does not provide`)
    return found
  }
  await new AsyncFunction('require', 'exports', outputText)(require, {})
}

afterEach(async () => {
  await core.closeAllMocks().catch(() => undefined)
})

describe('docs/scenarios.md', () => {
  const runnable = blocks.filter((b) => b.lang === 'ts')

  it('has runnable examples, and a failing example fails its test', async () => {
    expect(runnable.length).toBeGreaterThanOrEqual(7)
    await expect(run({ lang: 'ts', code: "import assert from 'node:assert/strict'\nassert.equal(1 + 1, 3)\n", line: 0 })).rejects.toThrow(/Expected values/)
  })

  for (const block of runnable) {
    it(`runs the example at line ${block.line}`, async () => {
      const leaks = watchLeaks()
      await run(block)
      // An example cleans up after itself.
      expect(core.liveMockCount()).toBe(0)
      await leaks.expectNone()
    })
  }

  it('shows the JSONL that toJSONL() writes', () => {
    const login = new Scenario()
      .expect({ type: 'login' })
      .send('{"type":"session","id":"{{uuid}}"}')
      .delay(50)
      .send('{"type":"ready"}')
    const shown = section('Reusable scenarios and replay files').find((b) => b.lang === 'jsonl')
    expect(shown?.code).toBe(login.toJSONL())
  })

  it('shows the pattern jsonSubsetPattern() builds', () => {
    const shown = section('JSON subsets in replay files').find((b) => b.lang === 'text')
    expect(shown?.code.trim()).toBe(jsonSubsetPattern({ type: 'ack', id: 7 }))
  })

  it('shows the errors that are thrown', () => {
    const thrown = (fn: () => unknown): string => {
      try {
        fn()
      } catch (error) {
        return (error as Error).message
      }
      throw new Error('nothing was thrown')
    }
    const [delayError] = section('Steps').filter((b) => b.lang === '')
    expect(delayError?.code.trim()).toBe(thrown(() => new Scenario().delay(-5)))
    const [serializeError] = section('What has no file form').filter((b) => b.lang === '')
    const isAck = (text: string): boolean => text.includes('ack')
    expect(serializeError?.code.trim()).toBe(thrown(() => new Scenario().send('hello').expect(/^ready$/i).expect(isAck).toJSONL()))
  })

  it('shows a report formatFailureReport() produces', () => {
    const failures: ScenarioFailure[] = [
      {
        kind: 'unexpected-message',
        connection: 1,
        step: 2,
        origin: { file: '<scenario>', line: 2, description: 'expect({"type":"subscribe"})' },
        expected: 'expect({"type":"subscribe"})',
        actual: '"{\\"type\\":\\"unsubscribe\\"}"',
        ts: 14,
        message: '',
      },
      {
        kind: 'wait-timeout',
        connection: 1,
        step: 4,
        origin: { file: 'test/fixtures/chat.jsonl', line: 4 },
        expected: 'waitFor /^CLIENT_READY$/',
        actual: '(nothing matching)',
        ts: 5016,
        message: '',
      },
    ]
    const transcript: TranscriptFrame[] = [
      { connection: 1, ts: 2, dir: 'out', text: '{"type":"hello"}' },
      { connection: 1, ts: 14, dir: 'in', text: '{"type":"unsubscribe"}' },
      { connection: 1, ts: 15, dir: 'out', binary: Uint8Array.from([0x0a, 0x0b, 0xff]) },
      { connection: 1, ts: 5016, dir: 'out', close: { code: 1000, reason: 'bye' } },
    ]
    const shown = section('Strict mode and the failure report').find((b) => b.lang === 'text')
    expect(shown?.code.trimEnd()).toBe(formatFailureReport(failures, transcript))
  })
})
