// A client that uses the global `WebSocket` (the one MSW patches), read at connect time.

/** What the tests (and the shared contract cases) do with a client. */
export interface GlobalClient {
  socket: WebSocket
  send(data: string | ArrayBuffer | ArrayBufferView | Blob): void
  /** The next message: a string for text frames, the raw `data` (Blob/ArrayBuffer) for binary ones. */
  next(): Promise<string>
  nextData(): Promise<unknown>
  closed: Promise<{ code: number; reason: string; wasClean: boolean }>
  close(code?: number, reason?: string): Promise<void>
}

/**
 * Opens `url` with `globalThis.WebSocket` and resolves once open; rejects when it errors or closes first.
 * @example
 * const client = await connectGlobal('wss://chat.example/ws')
 */
export async function connectGlobal(url: string, protocols?: string | string[], binaryType?: BinaryType): Promise<GlobalClient> {
  const Ctor = (globalThis as { WebSocket?: typeof WebSocket }).WebSocket
  if (!Ctor) throw new Error('globalThis.WebSocket is not defined')
  const socket = protocols === undefined ? new Ctor(url) : new Ctor(url, protocols)
  if (binaryType) socket.binaryType = binaryType
  const inbox: unknown[] = []
  const waiting: { resolve: (data: unknown) => void; reject: (error: Error) => void }[] = []
  let closeInfo: { code: number; reason: string; wasClean: boolean } | undefined
  socket.addEventListener('message', (event) => {
    const waiter = waiting.shift()
    if (waiter) waiter.resolve(event.data)
    else inbox.push(event.data)
  })
  const closed = new Promise<{ code: number; reason: string; wasClean: boolean }>((resolve) => {
    socket.addEventListener('close', (event) => {
      closeInfo = { code: event.code, reason: event.reason, wasClean: event.wasClean }
      for (const waiter of waiting.splice(0)) waiter.reject(new Error(`connection closed (${event.code}) while waiting for a message`))
      resolve(closeInfo)
    })
  })
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true })
    socket.addEventListener('error', () => reject(new Error(`failed to connect to ${url}`)), { once: true })
    void closed.then((info) => reject(new Error(`closed (${info.code}) before opening`)))
  })
  const nextData = (): Promise<unknown> => {
    if (inbox.length > 0) return Promise.resolve(inbox.shift())
    if (closeInfo) return Promise.reject(new Error(`connection closed (${closeInfo.code}) while waiting for a message`))
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }))
  }
  return {
    socket,
    send: (data) => socket.send(data),
    nextData,
    next: async () => {
      const data = await nextData()
      if (typeof data !== 'string') throw new Error(`expected a text message, got ${Object.prototype.toString.call(data)}`)
      return data
    },
    closed,
    close: async (code = 1000, reason) => {
      if (socket.readyState !== socket.CLOSED) socket.close(code, reason)
      await closed
    },
  }
}
