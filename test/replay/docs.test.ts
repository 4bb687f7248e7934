import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { ReplayParseError } from '../../src/errors.js'
import { parseReplay } from '../../src/replay/parse.js'
import { toJSONL } from '../../src/replay/serialize.js'
import { createTemplateContext } from '../../src/template/context.js'

const DOC = readFileSync(new URL('../../docs/replay-format.md', import.meta.url), 'utf8')

function blocks(lang: string): string[] {
  return [...DOC.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1] ?? '')
}

function issuesOf(text: string): string[] {
  try {
    parseReplay(text)
  } catch (error) {
    if (error instanceof ReplayParseError) return error.issues.map((i) => `${i.line}:${i.column}: ${i.message}`)
    throw error
  }
  return []
}

describe('docs/replay-format.md', () => {
  const jsonl = blocks('jsonl')
  const errorRows = [...DOC.matchAll(/^\| (.+?) \| `(.+?)` \| `(.+)` \|$/gm)].map((m) => ({ problem: m[1], line: m[2] ?? '', reported: m[3] }))
  const kindRows = [...DOC.matchAll(/^\| [^|`]+ \| `(\{.+\})` \|$/gm)].map((m) => m[1] ?? '')

  test('has the blocks and rows this test checks', () => {
    expect(jsonl.length).toBeGreaterThanOrEqual(2)
    expect(errorRows.length).toBeGreaterThanOrEqual(20)
    expect(kindRows.length).toBeGreaterThanOrEqual(9)
  })

  test('every jsonl example is a valid replay whose templates render', () => {
    for (const text of jsonl) {
      const replay = parseReplay(text)
      expect(replay.steps.length).toBeGreaterThan(0)
      const ctx = createTemplateContext({ seed: 1, match: { room: 'lobby' } })
      for (const step of replay.steps) if (step.template) expect(step.template.render(ctx)).not.toContain('{{')
    }
  })

  test('the complete example renders JSON and round trips through toJSONL', () => {
    const [complete] = jsonl
    const replay = parseReplay(complete ?? '')
    expect(replay.steps.map((s) => s.ts)).toEqual([0, 0, 50, 300, 900, 900, 1000, 1000, 1100])
    const ctx = createTemplateContext({ seed: 1, match: { room: 'lobby' } })
    expect(JSON.parse(replay.steps[2]?.template?.render(ctx) ?? '')).toMatchObject({ type: 'joined', room: 'lobby' })
    expect(replay.steps[1]?.match?.exec('{"type":"join","room":"lobby"}')?.groups).toEqual({ room: 'lobby' })
    expect(toJSONL(replay)).toBe((complete ?? '').replace('\n\n', '\n'))
  })

  test('every entry-kind example is valid', () => {
    for (const line of kindRows) expect(issuesOf(line), line).toEqual([])
  })

  test('every row of the error table is reported exactly as written', () => {
    for (const row of errorRows) expect(issuesOf(row.line), row.problem).toEqual([row.reported])
  })

  test('the sample error message is what such a file produces', () => {
    const [sample] = blocks('text')
    const file = [
      '{"ts":0,"dir":"out","text":"hello"}',
      '{"ts":10,"dir":"out","text":"bye",}',
      '{"ts":200,"dir":"out","text":"b"}',
      '{"ts":150,"dir":"out","text":"c"}',
    ].join('\n')
    expect(() => parseReplay(file, { file: 'chat.jsonl' })).toThrow(sample?.trimEnd())
  })
})
