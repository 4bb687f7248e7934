// A `mockWs()`-shaped builder over toMswHandler, so the shared contract cases (written against the builder)
// run through an MSW handler: the script is collected, then awaiting it installs the handler on `use`.
import type { WebSocketHandler } from 'msw'
import { toMswHandler, type MswHandlerOptions, type MswScript, type MswWsMock } from '../../../src/integrations/msw.js'
import type { ReplayEntry } from '../../../src/replay/types.js'
import type { MessageMatcher } from '../../../src/scenario/matcher.js'
import { Scenario } from '../../../src/scenario/scenario.js'

let built = 0

/** Builds like `mockWs()`; awaiting it creates the MSW mock on a fresh URL and passes its handler to `use`. */
export class MswBuilder implements PromiseLike<MswWsMock> {
  #script: Scenario | MswScript | undefined
  #options: MswHandlerOptions
  #use: (handler: WebSocketHandler) => void
  #origin: string

  constructor(use: (handler: WebSocketHandler) => void, options: MswHandlerOptions = {}, origin = 'wss://contract.example') {
    this.#use = use
    this.#options = options
    this.#origin = origin
  }

  replay(source: string | readonly ReplayEntry[]): this {
    this.#script = source
    return this
  }

  send(data: string | Uint8Array): this {
    this.#scenario().send(data)
    return this
  }

  expect(matcher: MessageMatcher, opts?: { timeoutMs?: number }): this {
    this.#scenario().expect(matcher, opts)
    return this
  }

  waitFor(matcher: MessageMatcher, opts?: { timeoutMs?: number }): this {
    this.#scenario().waitFor(matcher, opts)
    return this
  }

  delay(ms: number): this {
    this.#scenario().delay(ms)
    return this
  }

  close(code?: number, reason?: string): this {
    this.#scenario().close(code, reason)
    return this
  }

  #scenario(): Scenario {
    if (!(this.#script instanceof Scenario)) this.#script = new Scenario()
    return this.#script
  }

  then<A = MswWsMock, B = never>(onFulfilled?: ((value: MswWsMock) => A | PromiseLike<A>) | null, onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): PromiseLike<A | B> {
    const start = async (): Promise<MswWsMock> => {
      const mock = await toMswHandler(`${this.#origin}/contract/${++built}`, this.#script, this.#options)
      this.#use(mock.handler)
      return mock
    }
    return start().then(onFulfilled, onRejected)
  }
}
