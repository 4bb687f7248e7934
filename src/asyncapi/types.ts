/**
 * An AsyncAPI document: a path to a YAML or JSON file, a `file:` URL, or the document as an object.
 * @example
 * const spec: AsyncApiSource = 'asyncapi.yaml'
 */
export type AsyncApiSource = string | URL | Record<string, unknown>

/**
 * What to do with frames that fit none of the document's messages.
 * `fail`: a `schema-mismatch` failure (strict mode rejects `close()`); `warn`: a process warning, once per
 * distinct problem; `off`: nothing.
 * @example
 * const mode: AsyncApiValidateMode = 'warn'
 */
export type AsyncApiValidateMode = 'fail' | 'warn' | 'off'

/**
 * Options of `mockWs().asyncApi(spec, options)`, `loadAsyncApi` and the CLI commands.
 * @example
 * await mockWs().asyncApi('asyncapi.yaml', { channel: 'marketData', server: 'public', validate: 'fail' })
 */
export interface AsyncApiOptions {
  /** Channel id (the key under `channels`); needed when the document has several channels. */
  channel?: string
  /** Server name whose pathname prefixes the channel address (default: the first `ws`/`wss` server of the channel, else its first server). */
  server?: string
  /** Path to listen at instead of the document's (server pathname + channel address). */
  path?: string
  /** Default `fail`. */
  validate?: AsyncApiValidateMode
}

/**
 * One example of a message, ready to send.
 * @example
 * const ex: ContractExample = { location: 'components.messages.trade.examples[0]', line: 42, value: { price: 1 }, text: '{"price":1}' }
 */
export interface ContractExample {
  /** Where it is in the document, e.g. `components.messages.trade.examples[0]`. */
  location: string
  /** 1-based line in the document file, when known. */
  line?: number
  /** The example payload as written. */
  value: unknown
  /** What goes on the wire: strings as they are, anything else as JSON. */
  text: string
}

/**
 * One message of the channel, with the JSON Schema of its payload.
 * @example
 * contract.receives.map((m) => m.name) // ['subscribe', 'ping']
 */
export interface ContractMessage {
  /** `name`, else the message id, else the last part of its location. */
  name: string
  /** Where its definition is in the document (after following local `$ref`s), e.g. `components.messages.trade`. */
  location: string
  line?: number
  /** The payload schema with `$ref`s resolved; `undefined` when the message has none (anything fits). */
  schema?: unknown
  /** False when the payload uses a schema format other than JSON Schema / AsyncAPI schema (not checked). */
  checkable: boolean
  examples: ContractExample[]
}

/**
 * The part of an AsyncAPI document a mock needs for one channel.
 * @example
 * const contract = await loadAsyncApi('asyncapi.yaml', { channel: 'marketData' })
 * contract.path // '/v1/marketdata/{symbol}'
 */
export interface AsyncApiContract {
  /** Absolute file path, or `<inline>`. */
  source: string
  /** The document's `asyncapi` version, e.g. `2.6.0` or `3.0.0`. */
  version: string
  /** Channel id. */
  channel: string
  /** Server name used for the path, when there was one. */
  server?: string
  /** Where the mock listens: server pathname + channel address, parameters as `{name}` (`*` for a channel without address). */
  path: string
  /** Messages the application (the server the document describes) sends: the mock sends their examples. */
  sends: ContractMessage[]
  /** Messages the application receives: every client message must fit one of them. */
  receives: ContractMessage[]
}
