// mockforge-ws/graphql serving graphql-ws's createClient inside a real Chromium page (the browser's own WebSocket),
// the kit built on the Playwright fixture's mockWs so the fixture closes it.
import { fileURLToPath } from 'node:url'
import { expect } from '../src/integrations/playwright.js'
import { mockGraphqlWs } from '../src/kits/graphql/index.js'
import { test } from './support/fixtures.js'

// graphql-ws's browser build: client.js and the chunk it imports, ES modules with relative imports only.
const GRAPHQL_WS_DIST = fileURLToPath(new URL('../node_modules/graphql-ws/dist/', import.meta.url))

test('a page subscribes with graphql-ws and gets the scripted results, then complete', async ({ mockWs, page, app }) => {
  const gql = await mockGraphqlWs({ mockWs }).onSubscribe('OnPrice', [{ data: { price: 1 } }, { data: { price: 2 } }], { intervalMs: 10 })
  await page.route(`${app.origin}/vendor/graphql-ws/*.js`, (route) =>
    route.fulfill({ path: GRAPHQL_WS_DIST + new URL(route.request().url()).pathname.split('/').pop(), contentType: 'text/javascript' }),
  )
  await page.goto(`${app.origin}/harness.html`)
  const connection = gql.nextConnection()
  const results = await page.evaluate(async (url) => {
    const { createClient } = (await import(`${location.origin}/vendor/graphql-ws/client.js`)) as typeof import('graphql-ws')
    const client = createClient({ url })
    const values: unknown[] = []
    await new Promise<void>((resolve, reject) => {
      client.subscribe({ query: 'subscription OnPrice { price }' }, { next: (v) => values.push(v), error: reject, complete: resolve })
    })
    await client.dispose()
    return values
  }, gql.url)
  expect(results).toEqual([{ data: { price: 1 } }, { data: { price: 2 } }])
  expect(gql.operations.map((o) => o.operationName)).toEqual(['OnPrice'])
  expect((await connection).headers['user-agent']).toContain('Chrome')
  expect(gql).toHaveSentMessage({ type: 'complete' })
  expect(gql).toHaveNoFailures()
})
