import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { MockWsError, ReplayParseError } from '../../src/errors.js'
import { loadReplay } from '../../src/replay/load.js'
import type { ReplayEntry } from '../../src/replay/types.js'
import { createTemplateContext } from '../../src/template/context.js'
import { loadFaker } from '../../src/template/faker.js'

const EXAMPLE = 'test/fixtures/mockforge-example.jsonl'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mockforge-ws-load-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    if (error instanceof Error) return error
    throw error
  }
  throw new Error('expected a rejection')
}

describe('loadReplay', () => {
  test('reads a file path; issues and origins name the path as given', async () => {
    const replay = await loadReplay(EXAMPLE)
    expect(replay.source).toBe(EXAMPLE)
    expect(replay.steps).toHaveLength(3)
    expect(replay.steps[2]?.origin).toEqual({ file: EXAMPLE, line: 3 })
    const error = await rejection(loadReplay('test/fixtures/bad/ts-negative.jsonl'))
    expect(error).toBeInstanceOf(ReplayParseError)
    expect((error as ReplayParseError).issues[0]).toMatchObject({ file: 'test/fixtures/bad/ts-negative.jsonl', line: 1, column: 7 })
  })

  test('reads a file: URL', async () => {
    const file = join(dir, 'url.jsonl')
    await writeFile(file, '{"ts":0,"dir":"out","text":"from a URL"}\n')
    const replay = await loadReplay(pathToFileURL(file))
    expect(replay.source).toBe(file)
    expect(replay.steps[0]?.text).toBe('from a URL')
  })

  test('takes text with a newline, or starting with {, as inline JSON Lines', async () => {
    const one = await loadReplay('  {"ts":0,"dir":"out","text":"one"}')
    expect(one.source).toBe('<inline>')
    expect(one.steps[0]?.text).toBe('one')
    const two = await loadReplay('\n{"ts":0,"dir":"in","match":"^x$"}\n')
    expect(two.steps[0]?.origin).toEqual({ file: '<inline>', line: 2 })
    const error = await rejection(loadReplay('{"ts":0,"dir":"up","text":"x"}'))
    expect((error as ReplayParseError).issues).toEqual([{ file: '<inline>', line: 1, column: 15, message: '"dir" must be "in" or "out", got the string "up"' }])
  })

  test('compiles an entry array with the same validation', async () => {
    const entries: ReplayEntry[] = [{ ts: 0, dir: 'out', text: '{{seq}}' }]
    const replay = await loadReplay(entries)
    expect(replay.steps[0]?.template?.render(createTemplateContext())).toBe('1')
    const error = await rejection(loadReplay([{ ts: 0, dir: 'out', text: '{{sequence}}' }]))
    expect(error).toBeInstanceOf(ReplayParseError)
    expect((error as ReplayParseError).issues[0]?.message).toMatch(/^unknown token \{\{sequence\}\}/)
  })

  test('passes expandTemplates through', async () => {
    const replay = await loadReplay('{"ts":0,"dir":"out","text":"{{nope}}"}', { expandTemplates: false })
    expect(replay.steps[0]?.template).toBeUndefined()
    await expect(loadReplay('{"ts":0,"dir":"out","text":"{{nope}}"}')).rejects.toBeInstanceOf(ReplayParseError)
  })

  test('a missing file is a WSM_CONFIG error naming the file and the cause', async () => {
    const missing = join(dir, 'missing.jsonl')
    const error = await rejection(loadReplay(missing))
    expect(error).toBeInstanceOf(MockWsError)
    expect((error as MockWsError).code).toBe('WSM_CONFIG')
    expect(error.message.replaceAll(dir, '<tmp>').replace(process.cwd(), '<cwd>')).toMatchInlineSnapshot(
      `"Failed to read replay file <tmp>/missing.jsonl: ENOENT: no such file or directory, open '<tmp>/missing.jsonl'. Check the path; relative paths resolve against <cwd>."`,
    )
  })

  test('an empty string is refused rather than read as a path', async () => {
    const error = await rejection(loadReplay(''))
    expect(error.message).toMatchInlineSnapshot(
      `"Failed to load replay: the source is an empty string. Pass a file path, JSON Lines text or an array of entries."`,
    )
  })

  test('faker tokens load faker (seeded) and have their paths checked against it', async () => {
    const good = await loadReplay('{"ts":0,"dir":"out","text":"{{faker.person.firstName}}"}', { seed: 1 })
    expect(good.usesFaker).toBe(true)
    const faker = await loadFaker(1)
    expect(good.steps[0]?.template?.render(createTemplateContext({ faker }))).toMatch(/^\S+$/)
    const error = await rejection(loadReplay('{"ts":0,"dir":"out","text":"hi {{faker.person.notAThing}}"}'))
    expect(error).toBeInstanceOf(ReplayParseError)
    expect((error as ReplayParseError).issues[0]).toMatchObject({ line: 1, column: 32 })
    expect((error as ReplayParseError).issues[0]?.message).toMatch(/^\{\{faker\.person\.notAThing\}\} names faker\.person\.notAThing, which is not a data function/)
  })

  test('a given faker is used instead of loading one', async () => {
    const faker = { company: { name: () => 'Acme' } }
    const replay = await loadReplay([{ ts: 0, dir: 'out', text: '{{faker.company.name}}' }], { faker })
    expect(replay.steps[0]?.template?.render(createTemplateContext({ faker }))).toBe('Acme')
    await expect(loadReplay([{ ts: 0, dir: 'out', text: '{{faker.person.fullName}}' }], { faker })).rejects.toBeInstanceOf(ReplayParseError)
  })
})
