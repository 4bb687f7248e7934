import type { Page } from '@playwright/test'
import { routeToMock, test as mockTest } from '../../src/integrations/playwright.js'
import type { ContractClient } from '../../test/contract/cases.cjs'
import { startStaticServer, type StaticServer } from './static-server.js'

/** `test` from mockforge-ws/playwright plus a worker-wide static server for e2e/app. */
export const test = mockTest.extend<object, { app: StaticServer }>({
  // eslint-disable-next-line no-empty-pattern
  app: [
    async ({}, use) => {
      const server = await startStaticServer()
      await use(server)
      await server.close()
    },
    { scope: 'worker' },
  ],
})

/** A contract client backed by a WebSocket inside the page (see e2e/app/harness.html). */
export async function connectInPage(page: Page, url: string): Promise<ContractClient> {
  const id = await page.evaluate((u) => (window as unknown as Harness).harness.open(u), url)
  // Page calls are chained so that sends and reads happen in the order the case made them.
  let chain: Promise<unknown> = Promise.resolve()
  const inPage = <T>(fn: () => Promise<T>): Promise<T> => {
    const result = chain.then(fn)
    chain = result.catch(() => undefined)
    return result
  }
  let closed: Promise<{ code: number; reason: string }> | undefined
  return {
    send: (text) => {
      void inPage(() => page.evaluate(([i, t]) => (window as unknown as Harness).harness.send(i, t), [id, text] as const))
    },
    next: () => inPage(() => page.evaluate((i) => (window as unknown as Harness).harness.next(i), id)),
    get closed() {
      closed ??= inPage(() => page.evaluate((i) => (window as unknown as Harness).harness.closed(i), id))
      return closed
    },
    close: async () => {
      await inPage(() => page.evaluate((i) => (window as unknown as Harness).harness.close(i), id))
    },
  }
}

let routed = 0

/** A contract client whose page WebSocket aims at a production-looking URL that `routeToMock` sends to the mock. */
export async function connectRouted(page: Page, mock: { url: string; path: string }): Promise<ContractClient> {
  const url = `wss://api.example.com/contract/${++routed}`
  await routeToMock(page, url, mock)
  return connectInPage(page, url)
}

interface Harness {
  harness: {
    open(url: string): Promise<number>
    send(id: number, text: string): void
    next(id: number): Promise<string>
    closed(id: number): Promise<{ code: number; reason: string }>
    close(id: number): Promise<{ code: number; reason: string }>
  }
}
