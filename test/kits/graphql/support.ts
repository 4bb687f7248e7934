import { createClient, type Client, type ClientOptions, type FormattedExecutionResult } from 'graphql-ws'
import WebSocket from 'ws'

/** One result a client received. */
export type Result = FormattedExecutionResult<Record<string, unknown>, unknown>

/** What a subscription delivered: every `next` payload, then how it ended. */
export interface Outcome {
  values: Result[]
  error?: unknown
}

/** A graphql-ws client with its defaults (random ids, lazy, retries), on the `ws` package. */
export function gqlClient(url: string, options: Partial<ClientOptions> = {}): Client {
  return createClient({ url, webSocketImpl: WebSocket, ...options })
}

/** Subscribes and resolves once the operation completes or errors. */
export function collect(client: Client, payload: { query: string; variables?: Record<string, unknown>; operationName?: string }, onNext?: (value: Result, values: Result[]) => void): Promise<Outcome> {
  return new Promise((resolve) => {
    const values: Result[] = []
    client.subscribe(payload, {
      next: (value) => {
        values.push(value)
        onNext?.(value, values)
      },
      error: (error) => resolve({ values, error }),
      complete: () => resolve({ values }),
    })
  })
}

/** Resolves with the code and reason of the next close the client sees. */
export function nextClose(client: Client): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    const off = client.on('closed', (event) => {
      off()
      const { code, reason } = event as { code: number; reason: string }
      resolve({ code, reason })
    })
  })
}
