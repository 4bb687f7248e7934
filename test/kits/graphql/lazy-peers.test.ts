// graphql-ws and graphql are optional peers: importing mockforge-ws/graphql (or the core) loads neither; starting
// a kit mock does. Checked on the built CommonJS entry in a fresh Node process, where require.cache shows every module.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'

const root = fileURLToPath(new URL('../../../', import.meta.url))

function loadedPeers(script: string): { before: string[]; after: string[] } {
  const out = execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' })
  return JSON.parse(out) as { before: string[]; after: string[] }
}

test('importing the kit loads no peer; starting a mock loads graphql-ws and graphql', () => {
  const result = loadedPeers(`
    const peers = () => [...new Set(Object.keys(require.cache).map((k) => (/node_modules[\\\\/](graphql-ws|graphql)[\\\\/]/.exec(k) || [])[1]).filter(Boolean))].sort()
    require('./dist/index.cjs')
    const { mockGraphqlWs } = require('./dist/kits/graphql/index.cjs')
    const before = peers()
    mockGraphqlWs().onQuery('Me', { data: {} }).then(async (gql) => {
      const after = peers()
      await gql.close()
      process.stdout.write(JSON.stringify({ before, after }))
    })
  `)
  expect(result).toEqual({ before: [], after: ['graphql', 'graphql-ws'] })
})
