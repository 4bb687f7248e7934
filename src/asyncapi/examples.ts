import type { ReplayEntry } from '../replay/types.js'
import type { AsyncApiContract, ContractExample } from './types.js'

/**
 * The examples of the messages the application sends, in document order, as `out` replay entries (all at
 * `ts` 0: sent as the connection opens, one after the other). Template tokens in examples are kept.
 * @example
 * toJSONL(examplesToReplay(await loadAsyncApi('asyncapi.yaml', { channel: 'market' })))
 */
export function examplesToReplay(contract: AsyncApiContract): ReplayEntry[] {
  return sentExamples(contract).map((example) => ({ ts: 0, dir: 'out', text: example.text }))
}

/** Every example the mock sends, in the order it sends them. */
export function sentExamples(contract: AsyncApiContract): ContractExample[] {
  return contract.sends.flatMap((message) => message.examples)
}
