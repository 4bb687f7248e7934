// The GraphQL kit's contract cases (test/contract/graphql-cases.cjs) through Jest: mockforge-ws/graphql as
// published (dist/), closed after each test by the mockforge-ws/jest setup module.
const { liveMockCount } = require('mockforge-ws')
const { mockGraphqlWs } = require('mockforge-ws/graphql')
const { graphqlCases, graphqlTeardownCases } = require('../contract/graphql-cases.cjs')

describe('GraphQL kit contract through Jest (setupFilesAfterEnv: mockforge-ws/jest)', () => {
  for (const c of [...graphqlCases, ...graphqlTeardownCases()]) {
    test(c.name, async () => {
      await c.run({ mockGraphqlWs, expect, liveMockCount })
    })
  }
})
