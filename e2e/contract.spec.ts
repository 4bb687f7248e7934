// The shared contract (test/contract/cases.cjs) through Playwright: the `mockWs` fixture of mockforge-ws/playwright,
// with a real page in headless Chromium opening the WebSocket, once to ws.url directly and once through routeToMock.
import { liveMockCount } from '../src/index.js'
import { expect } from '../src/integrations/playwright.js'
import contract from '../test/contract/cases.cjs'
import nodeClient from '../test/contract/node-client.cjs'
import { connectInPage, connectRouted, test } from './support/fixtures.js'

const { cases, teardownCases } = contract

for (const [label, route] of [
  ['page → ws.url', false],
  ['page → wss://api.example.com via routeToMock', true],
] as const) {
  test.describe(`contract through Playwright (${label})`, () => {
    for (const c of cases) {
      test(c.name, async ({ mockWs, page, app }) => {
        await page.goto(`${app.origin}/harness.html`)
        await c.run({
          mockWs,
          expect,
          connect: (mock) => (route ? connectRouted(page, mock) : connectInPage(page, mock.url)),
          liveMockCount,
        })
      })
    }
  })
}

test.describe('contract through Playwright: automatic teardown', () => {
  // The teardown proof is about this process: a page's socket dies with its page, so a Node client is used.
  for (const c of teardownCases()) {
    test(c.name, async ({ mockWs }) => {
      await c.run({ mockWs, expect, connect: nodeClient.connectNode, liveMockCount })
    })
  }
})
