// The page of the MSW e2e test: MSW's setupWorker intercepts the page's own global WebSocket, and toMswHandler
// plays scenarios on it. Bundled by e2e/msw-support/serve.ts (esbuild) from the sources.
import { setupWorker } from 'msw/browser'
import { closeAllMswMocks, toMswHandler, type MswHandlerOptions } from '../../src/integrations/msw.js'
import { Scenario } from '../../src/scenario/scenario.js'
import contract from '../../test/contract/cases.cjs'
import type { ContractClient, ContractContext } from '../../test/contract/cases.cjs'
import { connectGlobal } from '../../test/msw/support/global-client.js'
import { MswBuilder } from '../../test/msw/support/msw-builder.js'
import { expect } from './mini-expect.js'

const worker = setupWorker()
const started = worker.start({ serviceWorker: { url: '/mockServiceWorker.js' }, quiet: true, onUnhandledRequest: 'bypass' })

async function connect(mock: { url: string }): Promise<ContractClient> {
  const client = await connectGlobal(mock.url)
  return {
    send: (text) => client.send(text),
    next: () => client.next(),
    closed: client.closed.then(({ code, reason }) => ({ code, reason })),
    close: () => client.close(),
  }
}

/** The app under test: renders a price feed from wss://api.example.com/feed into the list. */
function startFeedApp(list: HTMLElement): Promise<{ code: number; reason: string }> {
  const socket = new WebSocket('wss://api.example.com/feed')
  socket.addEventListener('open', () => socket.send('READY'))
  socket.addEventListener('message', (event) => {
    const item = document.createElement('li')
    if (event.data instanceof Blob) {
      item.textContent = `blob:${event.data.size}`
    } else {
      const message = JSON.parse(String(event.data)) as { type: string; value?: number }
      item.textContent = message.type === 'price' ? `price ${message.value}` : message.type
      if (message.type === 'welcome') socket.send(JSON.stringify({ type: 'subscribe', channel: 'prices' }))
    }
    list.append(item)
  })
  return new Promise((resolve) => socket.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason })))
}

const api = {
  /** Resolves once the worker runs: true when the service worker controls the page. */
  async ready(): Promise<boolean> {
    await started
    return navigator.serviceWorker.controller !== null || (await navigator.serviceWorker.getRegistration()) !== undefined
  },
  /** Failures the in-page expect must report (so a passing case is evidence, not an expect that never throws). */
  async selfCheck(): Promise<string[]> {
    const caught: string[] = []
    const attempt = async (fn: () => unknown): Promise<void> => {
      try {
        await fn()
        caught.push('no error')
      } catch (error) {
        caught.push(String((error as Error).message).split('\n')[0] ?? '')
      }
    }
    const mock = await toMswHandler('wss://self-check.example/ws')
    await attempt(() => expect({ a: 1 }).toEqual({ a: 2 }))
    await attempt(() => expect('x').not.toBe('x'))
    await attempt(() => expect(mock).toHaveConnections(1))
    await attempt(() => expect(mock).toReceiveMessage('never', { timeout: 20 }))
    await mock.close()
    return caught
  },
  /** What a replay file path gives in a browser: the load error (there is no file system to read). */
  async loadFile(): Promise<{ name: string; code: string; message: string } | 'resolved'> {
    try {
      const mock = await toMswHandler('wss://file.example/ws', 'test/fixtures/kinds-in-text.jsonl')
      await mock.close()
      return 'resolved'
    } catch (error) {
      const e = error as { name: string; code: string; message: string }
      return { name: e.name, code: e.code, message: e.message }
    }
  },
  caseNames(): string[] {
    return contract.cases.map((c) => c.name)
  },
  async runCase(name: string): Promise<{ ok: true } | { ok: false; error: string }> {
    const found = contract.cases.find((c) => c.name === name)
    if (!found) return { ok: false, error: `no case ${name}` }
    const mockWs = ((options?: MswHandlerOptions) => new MswBuilder((handler) => worker.use(handler), options ?? {}, 'wss://contract.example')) as unknown as ContractContext['mockWs']
    try {
      await found.run({ mockWs, expect, connect: connect as ContractContext['connect'] })
      return { ok: true }
    } catch (error) {
      return { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }
    } finally {
      await closeAllMswMocks().catch(() => undefined)
      worker.resetHandlers()
    }
  },
  /** Runs the feed app against a scenario; returns what the mock saw and the timing the page measured. */
  async feed(): Promise<{ closed: { code: number; reason: string }; failures: number; received: string[]; gapMs: number; blobType: string }> {
    const feed = await toMswHandler(
      'wss://api.example.com/feed',
      new Scenario()
        .waitFor(/^READY$/)
        .send('{"type":"welcome","session":"{{uuid}}"}')
        .expect({ type: 'subscribe', channel: 'prices' })
        .send('{"type":"price","value":1}')
        .delay(200)
        .send('{"type":"price","value":{{randInt 2 2}}}')
        .send(new Uint8Array([1, 2, 3]))
        .close(1000, 'market closed'),
      { strict: true },
    )
    worker.use(feed.handler)
    const list = document.querySelector('#feed') as HTMLElement
    const times: number[] = []
    new MutationObserver(() => times.push(performance.now())).observe(list, { childList: true })
    const closed = await startFeedApp(list)
    try {
      await feed.close()
      return {
        closed,
        failures: feed.failures.length,
        received: feed.received.map((f) => f.text ?? ''),
        gapMs: (times[2] ?? 0) - (times[1] ?? 0),
        blobType: feed.sent.some((f) => f.binary) ? 'binary sent' : 'none',
      }
    } finally {
      worker.resetHandlers()
    }
  },
}

;(window as unknown as { mswE2E: typeof api }).mswE2E = api
