// The GraphQL kit's contract cases (test/contract/graphql-cases.cjs) through Vitest: the kit built on the
// `mockWs` fixture of mockforge-ws/vitest, so the fixture closes it after each test.
import { describe } from 'vitest'
import { liveMockCount } from '../../../src/index.js'
import { expect, test } from '../../../src/integrations/vitest.js'
import { mockGraphqlWs } from '../../../src/kits/graphql/index.js'
import { graphqlCases, graphqlTeardownCases } from '../../contract/graphql-cases.cjs'

describe('GraphQL kit contract through the Vitest fixture', () => {
  for (const c of [...graphqlCases, ...graphqlTeardownCases()]) {
    test(c.name, async ({ mockWs }) => {
      await c.run({ mockGraphqlWs: (options) => mockGraphqlWs({ ...options, mockWs }), expect, liveMockCount })
    })
  }
})
