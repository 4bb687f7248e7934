// Which Node clients an MSW handler reaches: only the global WebSocket that MSW patches at listen().
import { execFile } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { setupServer } from 'msw/node'
import { WebSocket as UndiciWebSocket } from 'undici'
import { describe, expect, test } from 'vitest'
import WebSocket from 'ws'
import { toMswHandler } from '../../src/integrations/msw.js'

const run = promisify(execFile)
/** A URL nothing listens on: a client that MSW does not intercept fails to connect there, fast. */
const UNLISTENED = 'ws://127.0.0.1:1/ws'

function withGlobal<T>(value: unknown, fn: () => Promise<T>): Promise<T> {
  const original = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket')
  Object.defineProperty(globalThis, 'WebSocket', { value, configurable: true, writable: true })
  return fn().finally(() => {
    if (original) Object.defineProperty(globalThis, 'WebSocket', original)
    else delete (globalThis as { WebSocket?: unknown }).WebSocket
  })
}

describe('Node clients and the MSW handler', () => {
  test('MSW patches WebSocket only when a global exists when listen() runs', async () => {
    const chat = await toMswHandler('wss://no-global.example/ws')
    const server = setupServer(chat.handler)
    const before = typeof (globalThis as { WebSocket?: unknown }).WebSocket
    server.listen({ onUnhandledRequest: 'bypass' })
    try {
      // Node 20 without --experimental-websocket has none, so nothing is patched and nothing can connect.
      expect(typeof (globalThis as { WebSocket?: unknown }).WebSocket).toBe(before)
    } finally {
      server.close()
      await chat.close()
    }
  })

  test('with undici installed as the global, code that uses the global is intercepted', async () => {
    await withGlobal(UndiciWebSocket, async () => {
      const chat = await toMswHandler(UNLISTENED, [{ ts: 0, dir: 'out', text: 'hello' }])
      const server = setupServer(chat.handler)
      server.listen({ onUnhandledRequest: 'bypass' })
      try {
        const viaGlobal = new (globalThis as unknown as { WebSocket: typeof UndiciWebSocket }).WebSocket(UNLISTENED)
        const first = await new Promise((resolve) => viaGlobal.addEventListener('message', (e) => resolve(e.data), { once: true }))
        expect(first).toBe('hello')
        expect(chat.metrics.connectionsTotal).toBe(1)
        viaGlobal.close()
      } finally {
        await chat.close()
        server.close()
      }
    })
  })

  // msw 2.15 may answer such a client's HTTP upgrade with a 101 of its own (the client opens, and the handler sees
  // a second, silent connection) or let it go to the network; either way no frame reaches either side.
  for (const kind of ['undici imported directly', 'the ws package'] as const) {
    test(`a client that is not the global WebSocket (${kind}) exchanges no frames with the handler`, async () => {
      await withGlobal(UndiciWebSocket, async () => {
        const chat = await toMswHandler(UNLISTENED, [{ ts: 0, dir: 'out', text: 'hello' }])
        const server = setupServer(chat.handler)
        server.listen({ onUnhandledRequest: 'bypass' })
        const got: unknown[] = []
        let send: (text: string) => void
        let stop: () => void
        let outcome: Promise<string>
        if (kind === 'the ws package') {
          const client = new WebSocket(UNLISTENED)
          client.on('message', (data) => got.push(String(data)))
          outcome = new Promise((resolve) => {
            client.on('open', () => resolve('open'))
            client.on('error', () => resolve('failed'))
          })
          send = (text) => client.send(text)
          stop = () => client.terminate()
        } else {
          const client = new UndiciWebSocket(UNLISTENED)
          client.addEventListener('message', (e) => got.push(e.data))
          outcome = new Promise((resolve) => {
            client.addEventListener('open', () => resolve('open'))
            client.addEventListener('close', () => resolve('failed'))
          })
          send = (text) => client.send(text)
          stop = () => client.close()
        }
        try {
          if ((await outcome) === 'open') send('from the client')
          await expect(chat.nextMessage({ timeout: 300 })).rejects.toThrow('Timed out after 300 ms')
          expect(got).toEqual([])
          expect(chat.received).toEqual([])
        } finally {
          stop()
          await chat.close()
          server.close()
        }
      })
    })
  }

  test('a connection MSW hands over twice (two MSW servers with the handler) plays once', async () => {
    // Each test here owns its servers: closing one MSW server disposes the interceptor they share.
    await withGlobal(UndiciWebSocket, async () => {
      const chat = await toMswHandler('wss://twice.example/ws', [
        { ts: 0, dir: 'out', text: 'once' },
        { ts: 0, dir: 'out', text: 'end' },
      ])
      const first = setupServer(chat.handler)
      const second = setupServer(chat.handler)
      first.listen({ onUnhandledRequest: 'bypass' })
      second.listen({ onUnhandledRequest: 'bypass' })
      try {
        const client = new (globalThis as unknown as { WebSocket: typeof UndiciWebSocket }).WebSocket('wss://twice.example/ws')
        const got: unknown[] = []
        await new Promise<void>((resolve) =>
          client.addEventListener('message', (e) => {
            got.push(e.data)
            if (e.data === 'end') resolve()
          }),
        )
        expect(got).toEqual(['once', 'end'])
        expect(chat.metrics.connectionsTotal).toBe(1)
        expect(chat.sent.map((f) => f.text)).toEqual(['once', 'end'])
        client.close()
      } finally {
        await chat.close()
        second.close()
        first.close()
      }
    })
  })

  test('node --experimental-websocket: Node’s own global WebSocket is intercepted with no setup', async () => {
    // Vitest cannot pass the flag to one file, so a bundled script runs in a child process with it.
    const outdir = join(process.cwd(), 'node_modules', '.cache', 'mockforge-ws-msw-test')
    await mkdir(outdir, { recursive: true })
    const outfile = join(outdir, 'flag-client.mjs')
    await build({
      entryPoints: ['test/msw/support/flag-client.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      outfile,
      logLevel: 'silent',
    })
    const { stdout } = await run(process.execPath, ['--experimental-websocket', '--no-warnings', outfile], { timeout: 15_000 })
    expect(JSON.parse(stdout)).toEqual({
      hasGlobal: 'function',
      received: ['welcome', 'pong'],
      closed: { code: 1000, reason: 'done' },
      failures: 0,
      transcript: 4,
    })
  })
})
