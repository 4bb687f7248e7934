import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { LatencyProfile } from '../../src/latency/profile.js'
import { parseReplay } from '../../src/replay/parse.js'
import { Scenario } from '../../src/scenario/scenario.js'
import { mockWs } from '../../src/server/builder.js'

// Keeps docs/latency-and-faults.md honest: its preset table, spec examples and error messages
// are checked against the code.
const DOC = readFileSync(new URL('../../docs/latency-and-faults.md', import.meta.url), 'utf8')

function section(title: string): string {
  const start = DOC.indexOf(`\n## ${title}\n`)
  expect(start).toBeGreaterThanOrEqual(0)
  const end = DOC.indexOf('\n## ', start + 1)
  return DOC.slice(start, end === -1 ? undefined : end)
}

function codeBlocks(text: string): string[] {
  return [...text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1] as string)
}

function thrownMessage(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('nothing was thrown')
}

describe('docs/latency-and-faults.md', () => {
  test('the preset table lists every preset with its distribution and range', () => {
    const rows = [...section('Profiles').matchAll(/^\| `([^`]+)` \| (\w+) \| [^|]+ \| (\d+)–(\d+) \|$/gm)]
    expect(rows.map((r) => r[1])).toEqual([...LatencyProfile.names])
    for (const [, name, distribution, lo, hi] of rows) {
      const profile = LatencyProfile.byName(name as string)
      expect(profile.spec.distribution).toBe(distribution)
      expect([profile.minMs, profile.maxMs]).toEqual([Number(lo), Number(hi)])
    }
  })

  test('the names shown are LatencyProfile.names', () => {
    const shown = /LatencyProfile\.names\s+\/\/ (\[.*\])/.exec(DOC)?.[1]
    expect(JSON.parse((shown ?? '').replaceAll("'", '"'))).toEqual([...LatencyProfile.names])
  })

  test('every custom spec example builds a profile', () => {
    const specs = [...section('Custom profiles').matchAll(/LatencyProfile\.from\((\{.*\})\)/g)].map((m) => m[1] as string)
    expect(specs.length).toBeGreaterThanOrEqual(5)
    for (const literal of specs) {
      const spec = new Function(`return (${literal})`)() as never
      expect(() => LatencyProfile.from(spec)).not.toThrow()
    }
  })

  test('the error messages shown are the ones thrown', () => {
    const unknown = codeBlocks(section('Profiles')).find((b) => b.startsWith('Failed to'))
    expect(unknown?.trim()).toBe(thrownMessage(() => LatencyProfile.byName('lte')))

    const invalid = codeBlocks(section('Custom profiles')).find((b) => b.startsWith('Failed to'))
    const spec = { distribution: 'uniform', baseMs: '10', jitterMs: Number.NaN, minMs: -3, maxMs: Infinity }
    expect(invalid?.trim()).toBe(thrownMessage(() => LatencyProfile.from(spec as never)))
  })

  test('the description shown is what String(profile) gives', () => {
    expect(DOC).toContain(`\`${String(LatencyProfile.byName('4g'))}\``)
  })

  test('the Faults section documents fault injection, with the error shown as thrown', () => {
    const faults = section('Faults')
    expect(faults).toContain('Fault injection')
    const shown = codeBlocks(faults).find((b) => b.startsWith('Failed to'))
    expect(shown?.trim()).toBe(thrownMessage(() => mockWs().failHandshake(200)))
  })

  test('every fault method in the table exists on the builder', () => {
    const methods = [...section('Faults').matchAll(/^\| `(\w+)\(/gm)].map((m) => m[1] as string)
    expect(methods).toEqual(['dropConnection', 'close', 'dropMessages', 'failHandshake', 'slowHandshake', 'maxConnections'])
    const builder = mockWs() as unknown as Record<string, unknown>
    for (const name of methods) expect(typeof builder[name]).toBe('function')
  })

  test('the drop shown as a replay file parses as a drop and round-trips through a scenario', () => {
    const jsonl = codeBlocks(section('Faults')).find((b) => b.includes('"code":1006'))
    const replay = parseReplay(jsonl ?? '')
    expect(replay.steps.at(-1)?.close).toEqual({ code: 1006 })
    expect(Scenario.fromReplay(jsonl ?? '').steps.at(-1)).toEqual({ kind: 'close', code: 1006, reason: '' })
  })

  test('the CLI error shown lists the presets as the CLI does', () => {
    expect(section('In a mock, a router or the CLI')).toContain(`unknown latency profile; use one of ${LatencyProfile.names.join(', ')}`)
  })
})

describe('docs/latency-and-faults.md, factories', () => {
  test('every preset is a factory under its own name, and the documented aliases exist', () => {
    const statics = LatencyProfile as unknown as Record<string, () => LatencyProfile>
    for (const name of LatencyProfile.names) {
      expect(typeof statics[name]).toBe('function')
      expect(statics[name]?.().toJSON()).toEqual(LatencyProfile.byName(name).toJSON())
      expect(statics[name]?.().name).toBe(name)
    }
    const rows = [...section('Profiles').matchAll(/^\| `([^`]+)` \| `LatencyProfile\['([^']+)'\]\(\)` \| `LatencyProfile\.(\w+)\(\)` \|$/gm)]
    expect(rows.map((r) => r[1])).toEqual(['5g', '4g', '3g', '2g'])
    for (const [, name, bracket, alias] of rows) {
      expect(bracket).toBe(name)
      expect(statics[alias as string]?.().toJSON()).toEqual(LatencyProfile.byName(name as string).toJSON())
    }
    for (const named of ['fast', 'normal', 'slow', 'edge', 'satellite', 'congested']) expect(section('Profiles')).toContain(`${named}()`)
  })
})
