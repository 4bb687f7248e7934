// A mock's script: its parts (replay sources, builder steps, documents to load) compiled and concatenated
// once, every problem reported before anything listens. Shared by `mockWs()` and `toMswHandler`.
import { loadReplay } from '../replay/load.js'
import type { CompiledReplay, PlayStep, ReplayEntry } from '../replay/types.js'
import type { ResolvedMockWsOptions } from '../server/options.js'
import type { FakerLike } from '../template/context.js'
import { loadFaker } from '../template/faker.js'

/** One piece of a mock's script: a replay source, steps from the builder, or entries that need loading first (AsyncAPI examples). */
export type ScriptPart =
  | { kind: 'replay'; source: string | readonly ReplayEntry[] | URL }
  | { kind: 'compiled'; compile: (opts: { expandTemplates: boolean; faker?: FakerLike }) => CompiledReplay }
  | { kind: 'load'; load: (opts: { expandTemplates: boolean; faker?: FakerLike }) => Promise<CompiledReplay> }

/**
 * Concatenates compiled parts; each part's times continue after the previous part's last `ts`.
 * @example
 * concatReplays([greeting, feed]).steps.length
 */
export function concatReplays(parts: readonly CompiledReplay[]): CompiledReplay {
  if (parts.length === 1 && parts[0]) return parts[0]
  const steps: PlayStep[] = []
  let offset = 0
  for (const part of parts) {
    let last = 0
    for (const step of part.steps) {
      steps.push({ ...step, index: steps.length, ts: step.ts + offset, entry: { ...step.entry, ts: step.entry.ts + offset } })
      last = step.ts
    }
    offset += last
  }
  return { source: parts.map((p) => p.source).join(' + '), steps, usesFaker: parts.some((p) => p.usesFaker) }
}

/**
 * Loads and compiles every part of a script, collecting all problems before anything starts.
 * @example
 * const { script, faker } = await compileScript([{ kind: 'replay', source: 'chat.jsonl' }], resolveOptions())
 */
export async function compileScript(
  parts: readonly ScriptPart[],
  options: Pick<ResolvedMockWsOptions, 'expandTemplates' | 'seed'>,
): Promise<{ script: CompiledReplay | undefined; faker: FakerLike | undefined }> {
  if (parts.length === 0) return { script: undefined, faker: undefined }
  const expandTemplates = options.expandTemplates
  const compile = async (part: ScriptPart, faker?: FakerLike): Promise<CompiledReplay> =>
    part.kind === 'replay'
      ? loadReplay(part.source, { expandTemplates, ...(options.seed !== undefined ? { seed: options.seed } : {}) })
      : part.kind === 'load'
        ? part.load({ expandTemplates, ...(faker ? { faker } : {}) })
        : part.compile({ expandTemplates, ...(faker ? { faker } : {}) })
  const compiled: CompiledReplay[] = []
  for (const part of parts) compiled.push(await compile(part))
  if (!expandTemplates || !compiled.some((c) => c.usesFaker)) return { script: concatReplays(compiled), faker: undefined }
  // Faker paths can only be checked against a real faker: compile the builder's steps again with it,
  // so a bad {{faker.…}} fails here, before anything listens (replay files were checked by loadReplay).
  const faker = await loadFaker(options.seed)
  const checked: CompiledReplay[] = []
  for (const [i, part] of parts.entries()) {
    const first = compiled[i] as CompiledReplay
    checked.push(first.usesFaker && part.kind !== 'replay' ? await compile(part, faker) : first)
  }
  return { script: concatReplays(checked), faker }
}
