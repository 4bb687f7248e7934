import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ReplayParseError } from '../../src/errors.js'
import { loadReplay } from '../../src/replay/load.js'
import { compileEntries, parseReplay } from '../../src/replay/parse.js'
import { previewJson } from '../../src/session/describe.js'
import type { ReplayEntry } from '../../src/replay/types.js'
import { describeMatcher } from '../../src/scenario/matcher.js'

/** Deep enough that anything recursing per level overflows the stack (JSON.parse itself does not). */
const DEPTH = 200_000
const deepArray = `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mockforge-hostile-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

function parseError(fn: () => unknown): ReplayParseError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(ReplayParseError)
    return error as ReplayParseError
  }
  throw new Error('expected a ReplayParseError')
}

async function loadError(source: string | Uint8Array, name = 'hostile.jsonl'): Promise<ReplayParseError> {
  const file = join(dir, name)
  await writeFile(file, source)
  const error = await loadReplay(file).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(ReplayParseError)
  return error as ReplayParseError
}

describe('deeply nested values (item 1)', () => {
  it.each([
    ['text', `{"ts":0,"dir":"out","text":${deepArray}}`, 28],
    ['ts', `{"ts":${deepArray},"dir":"out","text":"x"}`, 7],
    ['close', `{"ts":0,"dir":"out","close":${deepArray}}`, 29],
    ['the whole line', deepArray, 1],
  ])('a %s nested 200,000 deep is a ReplayParseError at file:line:column', async (_where, line, column) => {
    const error = await loadError(`{"ts":0,"dir":"out","text":"ok"}\n${line}\n`)
    expect(error.issues).toHaveLength(1)
    expect(error.issues[0]).toMatchObject({ file: join(dir, 'hostile.jsonl'), line: 2, column })
    expect(error.issues[0]?.message).toMatch(/an array \[\[\[\[\[\[\[\[\[…/)
  })

  it('in-memory entries nested that deep are described without overflowing either', () => {
    let deep: unknown = []
    for (let i = 0; i < DEPTH; i++) deep = [deep]
    const error = parseError(() => compileEntries([{ ts: 0, dir: 'out', text: deep } as unknown as ReplayEntry]))
    expect(error.issues[0]).toMatchObject({ line: 1, column: 1 })
    expect(error.message).toContain('"text" must be a string, got an array [[[[[[[[[…]]]]]]]]]')
  })

  it('a deep JSON-subset matcher is described without overflowing', () => {
    let deep: Record<string, unknown> = {}
    for (let i = 0; i < DEPTH; i++) deep = { a: deep }
    expect(describeMatcher(deep as never)).toMatch(/^\{"a":\{"a":.*…/)
  })

  it('previewJson stops at its depth and length and never throws', () => {
    const cyclic: Record<string, unknown> = { a: 1 }
    cyclic.self = cyclic
    const throwing = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('getter')
      },
    })
    expect(previewJson(cyclic, 200)).toBe('{"a":1,"self":{"a":1,"self":{"a":1,"self":{"a":1,"self":{"a":1,"self":{"a":1,"self":{"a":1,"self":{"a":1,"self":{…}}}}}}}}}')
    expect(previewJson(throwing)).toBe('{"boom":…}')
    expect(previewJson({ s: 'x'.repeat(1_000_000) }, 12)).toBe('{"s":"xxxxx…')
    expect(previewJson([1n, () => 1, undefined, Number.NaN])).toBe('[1n,[function],undefined,null]')
  })
})

describe('invalid UTF-8 (item 2)', () => {
  it('is refused at the line and column of the first bad byte, not sent as U+FFFD', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"ts":0,"dir":"out","text":"ok"}\n{"ts":1,"dir":"out","text":"caf'),
      Buffer.from([0xe9]), // Latin-1 é
      Buffer.from('"}\n'),
    ])
    const error = await loadError(bytes)
    expect(error.issues).toEqual([
      {
        file: join(dir, 'hostile.jsonl'),
        line: 2,
        column: 32,
        message: 'invalid UTF-8 (byte 0xE9 at byte offset 64); save the file as UTF-8, or put binary frames in "binary" as base64',
      },
    ])
  })

  it('counts columns in characters after valid multi-byte text, and catches truncated sequences and surrogates', async () => {
    // "é" is 2 bytes but 1 column; then a lone continuation byte.
    let error = await loadError(Buffer.concat([Buffer.from('{"ts":0,"dir":"out","text":"é'), Buffer.from([0x80]), Buffer.from('"}')]))
    expect(error.issues[0]).toMatchObject({ line: 1, column: 30 })
    // An encoded surrogate (CESU-8), then a sequence cut by the end of the file.
    error = await loadError(Buffer.concat([Buffer.from('\n\n{"text":"'), Buffer.from([0xed, 0xa0, 0x80])]))
    expect(error.issues[0]).toMatchObject({ line: 3, column: 10 })
    expect(error.issues[0]?.message).toContain('byte 0xED at')
    error = await loadError(Buffer.concat([Buffer.from('{"text":"'), Buffer.from([0xf0, 0x9f, 0x98])]))
    expect(error.issues[0]?.message).toContain('bytes 0xF0 0x9F 0x98 at byte offset 9')
  })

  it('still accepts valid UTF-8 with a byte order mark and astral characters', async () => {
    const file = join(dir, 'ok.jsonl')
    await writeFile(file, '\uFEFF{"ts":0,"dir":"out","text":"😀 café"}\n')
    const replay = await loadReplay(file)
    expect(replay.steps[0]?.text).toBe('😀 café')
  })
})

describe('invisible characters (item 3)', () => {
  it('a raw NUL line names the character', () => {
    const error = parseError(() => parseReplay('{"ts":0,"dir":"out","text":"ok"}\n\u0000\n'))
    expect(error.issues).toEqual([{ file: '<inline>', line: 2, column: 1, message: 'invalid JSON: unexpected U+0000' }])
  })

  it('a U+FEFF in the middle of the file names the character', () => {
    const error = parseError(() => parseReplay('{"ts":0,"dir":"out","text":"ok"}\n\uFEFF{"ts":1,"dir":"out","text":"x"}\n'))
    expect(error.issues).toEqual([{ file: '<inline>', line: 2, column: 1, message: 'invalid JSON: unexpected U+FEFF' }])
  })

  it('invisible characters inside a longer bad token are named too', () => {
    const error = parseError(() => parseReplay('{"ts":0,"dir":"out","text":"ok",\u200Bx:1}'))
    expect(error.issues[0]?.message).toMatch(/U\+200B/)
  })
})
