import { createClient } from 'graphql-ws'
import WebSocket from 'ws'
import { expect, test } from '../../../../src/integrations/vitest.js'
import { mockGraphqlWs } from '../../../../src/kits/graphql/index.js'

test('the price ticker subscribes once and gets two prices', async ({ mockWs }) => {
  // Built on the fixture's mockWs: the fixture closes it after the test.
  const gql = await mockGraphqlWs({ mockWs }).onSubscribe('OnPrice', [{ data: { price: 1 } }, { data: { price: 2 } }])

  // The code under test subscribes with graphql-ws.
  const client = createClient({ url: gql.url, webSocketImpl: WebSocket })
  const prices: unknown[] = []
  await new Promise<void>((complete, error) => client.subscribe({ query: 'subscription OnPrice { price }' }, { next: (r) => prices.push(r.data?.price), error, complete }))

  expect(prices).toEqual([1, 2])
  await expect(gql).toReceiveMessage({ type: 'subscribe', payload: { query: 'subscription OnPrice { price }' } })
  expect(gql).toHaveSentMessage({ type: 'complete', id: gql.operations[0]?.id ?? '' })
  expect(gql).toHaveNoFailures()
  await client.dispose()
})
