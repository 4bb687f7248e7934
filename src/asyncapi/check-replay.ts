import type { CompiledReplay } from '../replay/types.js'
import { createTemplateContext } from '../template/context.js'
import { formatMismatch, type ContractValidator } from './schema.js'

/** Seed of the template context used to render `out` entries before they are checked (any fixed value). */
const CHECK_SEED = 1

/** One frame of a replay file that fits no message of the document. */
export interface ReplayContractIssue {
  file: string
  /** 1-based line of the entry. */
  line: number
  message: string
}

/**
 * Checks each text frame of a replay file or recording against a contract: `out` entries (what the
 * server sent, template tokens rendered) against the messages the application sends, `in` entries with
 * an exact `text` against the messages it receives, and so are `json` / `waitForJson` subsets (missing
 * required properties allowed: a subset may leave them out). Regex and binary entries are not checked.
 */
export function checkReplayAgainst(replay: CompiledReplay, validator: ContractValidator): ReplayContractIssue[] {
  const issues: ReplayContractIssue[] = []
  const context = createTemplateContext({ seed: CHECK_SEED })
  const report = (line: number, file: string, who: string, mismatch: Parameters<typeof formatMismatch>[0]): void => {
    issues.push({ file, line, message: `schema-mismatch: ${who} on channel ${JSON.stringify(validator.contract.channel)}: ${formatMismatch(mismatch)}` })
  }
  for (const step of replay.steps) {
    // `waitForJson` names a client message too (a JSON subset): it must be possible under the document.
    const waitForJson = (step.entry as { waitForJson?: unknown }).waitForJson
    if (waitForJson !== undefined) {
      const verdict = validator.check('receives', JSON.stringify(waitForJson), { partial: true })
      if (!verdict.ok) report(step.origin.line, step.origin.file, 'awaited client frame (waitForJson) fits no message the application receives', verdict.mismatch)
    }
    // `json` entries (a JSON subset the client message must contain) are checked as partial messages.
    const json = (step.entry as { json?: unknown }).json
    const partial = step.dir === 'in' && step.text === undefined && json !== undefined
    if (!partial && (step.text === undefined || step.match)) continue
    const text = partial ? JSON.stringify(json) : step.dir === 'out' && step.template ? step.template.render(context) : (step.text as string)
    const dir = step.dir === 'out' ? 'sends' : 'receives'
    const verdict = validator.check(dir, text, { partial })
    if (verdict.ok) continue
    const who = step.dir === 'out' ? 'server frame fits no message the application sends' : 'client frame fits no message the application receives'
    report(step.origin.line, step.origin.file, who, verdict.mismatch)
  }
  return issues
}
