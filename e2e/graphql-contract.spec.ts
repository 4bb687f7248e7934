// The GraphQL kit's contract cases (test/contract/graphql-cases.cjs) through Playwright: the kit built on the
// `mockWs` fixture of mockforge-ws/playwright, so the fixture closes it after each test. The client is
// graphql-ws's createClient in the test's Node process.
import { liveMockCount } from '../src/index.js'
import { expect, test } from '../src/integrations/playwright.js'
import { mockGraphqlWs } from '../src/kits/graphql/index.js'
import graphql from '../test/contract/graphql-cases.cjs'

const { graphqlCases, graphqlTeardownCases } = graphql

test.describe('GraphQL kit contract through the Playwright fixture', () => {
  for (const c of [...graphqlCases, ...graphqlTeardownCases()]) {
    test(c.name, async ({ mockWs }) => {
      await c.run({ mockGraphqlWs: (options) => mockGraphqlWs({ ...options, mockWs }), expect, liveMockCount })
    })
  }
})
