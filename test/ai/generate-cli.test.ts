import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command } from 'commander'
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { validateSchema } from '../../src/ai/schema.js'
import type { JsonSchema } from '../../src/ai/schema.js'
import { registerGenerate } from '../../src/cli/generate.js'
import type { ProgressOutput } from '../../src/cli/generate.js'
import { loadReplay } from '../../src/replay/load.js'

let dir: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mockforge-ws-generate-'))
  vi.stubEnv('OPENAI_API_KEY', '')
  vi.stubEnv('OPENAI_BASE_URL', '')
})

afterEach(async () => {
  vi.unstubAllEnvs()
  await rm(dir, { recursive: true, force: true })
})

function program(progress: ProgressOutput = { isTTY: false, write: () => true }) {
  const out: string[] = []
  const err: string[] = []
  const cli = new Command('mockforge-ws').exitOverride().configureOutput({
    writeOut: (text) => out.push(text),
    writeErr: (text) => err.push(text),
  })
  registerGenerate(cli, { out: (line) => out.push(line), err: (line) => err.push(line) }, progress)
  return { cli, out, err }
}

async function readEntries(file: string) {
  const text = await readFile(file, 'utf8')
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { ts: number; dir: string; text: string })
}

describe('mockforge-ws generate', () => {
  test('--provider offline writes a JSON Lines replay of the events, spaced by --rate', async () => {
    const file = join(dir, 'trades.jsonl')
    const { cli, out } = program()
    await cli.parseAsync(
      ['generate', '--narrative', 'Simulate stock market trading', '--count', '7', '--out', file, '--provider', 'offline', '--seed', '5', '--rate', '2', '--event-type', 'trade'],
      { from: 'user' },
    )
    expect(out).toEqual([`wrote 7 events to ${file}`])
    const entries = await readEntries(file)
    expect(entries.map((e) => [e.ts, e.dir])).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000].map((ts) => [ts, 'out']))
    const frames = entries.map((e) => JSON.parse(e.text))
    expect(frames.map((f) => [f.type, f.sequence])).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => ['trade', n]))
    for (const f of frames) expect(f.data).toEqual(expect.objectContaining({ symbol: expect.any(String), price: expect.any(Number) }))
    // The file is a valid replay for the player.
    const replay = await loadReplay(file)
    expect(replay.steps).toHaveLength(7)

    // Same seed, same events.
    const again = join(dir, 'again.jsonl')
    await program().cli.parseAsync(
      ['generate', '--narrative', 'Simulate stock market trading', '--count', '7', '--out', again, '--provider', 'offline', '--seed', '5'],
      { from: 'user' },
    )
    const data = (await readEntries(again)).map((e) => JSON.parse(e.text).data)
    expect(data).toEqual(frames.map((f) => f.data))
  })

  test('--schema shapes every event', async () => {
    const schema: JsonSchema = {
      type: 'object',
      required: ['level', 'reading'],
      properties: { level: { enum: ['low', 'high'] }, reading: { type: 'integer', minimum: 10, maximum: 20 } },
    }
    const schemaFile = join(dir, 'schema.json')
    await writeFile(schemaFile, JSON.stringify(schema))
    const file = join(dir, 'sensor.jsonl')
    await program().cli.parseAsync(
      ['generate', '--narrative', 'sensor readings', '--count', '12', '--out', file, '--provider', 'offline', '--schema', schemaFile],
      { from: 'user' },
    )
    const entries = await readEntries(file)
    expect(entries).toHaveLength(12)
    expect(entries.every((e) => e.ts === 0)).toBe(true)
    for (const e of entries) expect(validateSchema(JSON.parse(e.text).data, schema)).toEqual([])
  })

  test('draws a progress line on a TTY only', async () => {
    const written: string[] = []
    await program({ isTTY: true, write: (text) => written.push(text) }).cli.parseAsync(
      ['generate', '--narrative', 'chat', '--count', '3', '--out', join(dir, 'a.jsonl'), '--provider', 'offline'],
      { from: 'user' },
    )
    expect(written.join('')).toContain('generating events 3/3')
    expect(written.at(-1)).toBe('\n')

    const silent: string[] = []
    await program({ isTTY: false, write: (text) => silent.push(text) }).cli.parseAsync(
      ['generate', '--narrative', 'chat', '--count', '3', '--out', join(dir, 'b.jsonl'), '--provider', 'offline'],
      { from: 'user' },
    )
    expect(silent).toEqual([])
  })

  test('rejects bad options before generating anything', async () => {
    const bad = program()
    await expect(
      bad.cli.parseAsync(['generate', '--narrative', 'x', '--count', '0', '--out', join(dir, 'x.jsonl')], { from: 'user' }),
    ).rejects.toThrow(/Expected a positive integer/)
    const provider = program()
    await expect(
      provider.cli.parseAsync(['generate', '--narrative', 'x', '--count', '1', '--out', join(dir, 'x.jsonl'), '--provider', 'claude'], {
        from: 'user',
      }),
    ).rejects.toThrow(/Expected openai or offline/)
  })

  test('the default openai provider without a key fails with the clear error and writes no file', async () => {
    const file = join(dir, 'none.jsonl')
    await expect(
      program().cli.parseAsync(['generate', '--narrative', 'x', '--count', '1', '--out', file], { from: 'user' }),
    ).rejects.toThrowErrorMatchingInlineSnapshot(
      `[AiGenerationError: Failed to generate events: no API key for provider 'openai'. Set OPENAI_API_KEY or pass apiKey, point baseURL at an OpenAI-compatible server (e.g. llama.cpp or vLLM), or use provider: 'offline' for deterministic local events]`,
    )
    await expect(readFile(file)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  test('a schema file that is not JSON', async () => {
    const schemaFile = join(dir, 'bad.json')
    await writeFile(schemaFile, '{ nope')
    await expect(
      program().cli.parseAsync(
        ['generate', '--narrative', 'x', '--count', '1', '--out', join(dir, 'x.jsonl'), '--provider', 'offline', '--schema', schemaFile],
        { from: 'user' },
      ),
    ).rejects.toThrow(`Failed to read schema ${schemaFile}:`)
  })
})
