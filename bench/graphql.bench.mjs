// GraphQL over WebSocket: operation round trips (subscribe → next → complete for `query Me`) through one
// graphql-ws createClient connection, against mockGraphqlWs() and against a real graphql-ws server
// (graphql-ws/use/ws with a schema) in the same run. Client and servers share this process, so the figure is
// the whole round trip's cost, client included. Informational: the issue sets no target for this kit.
//
//   npx tsup && node bench/graphql.bench.mjs
//
// Env: BENCH_GQL_OPS (per round, default 2000), BENCH_GQL_ROUNDS (default 5), MOCKFORGE_WS_BENCH_ENTRY.
// Writes bench/results/graphql.json.
import { once } from 'node:events'
import { buildSchema } from 'graphql'
import { createClient } from 'graphql-ws'
import { useServer } from 'graphql-ws/use/ws'
import WebSocket, { WebSocketServer } from 'ws'
import { ratio, round, summarize } from './lib/stats.mjs'
import { ENTRY, envNumber, writeResults } from './lib/results.mjs'
import { fmtInt, fmtRatio, fmtSpread, printTable } from './lib/table.mjs'

const OPS = envNumber('BENCH_GQL_OPS', 2000)
const ROUNDS = envNumber('BENCH_GQL_ROUNDS', 5)
const QUERY = 'query Me { me { id name } }'
const RESULT = { data: { me: { id: '1', name: 'Ada' } } }

const kitEntry = ENTRY.replace(/index\.js$/, 'kits/graphql/index.js')
const { mockGraphqlWs } = await import(kitEntry).catch((error) => {
  throw new Error(`Failed to run the graphql bench: cannot import ${kitEntry} (${error.message}). Run \`npx tsup\` first.`, { cause: error })
})

async function realServer() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/graphql' })
  await once(wss, 'listening')
  const schema = buildSchema('type User { id: ID!, name: String! } type Query { me: User }')
  const disposable = useServer({ schema, roots: { query: { me: () => RESULT.data.me } } }, wss)
  return {
    url: `ws://127.0.0.1:${wss.address().port}/graphql`,
    close: async () => {
      await disposable.dispose()
      await new Promise((resolve) => wss.close(resolve))
    },
  }
}

async function kitServer() {
  const gql = await mockGraphqlWs().onQuery('Me', RESULT)
  return { url: gql.url, close: () => gql.close() }
}

const cases = [
  { key: 'graphqlWs', label: 'graphql-ws server (schema)', start: realServer },
  { key: 'kit', label: 'mockGraphqlWs()', start: kitServer },
]

async function roundTrips(url) {
  const client = createClient({ url, webSocketImpl: WebSocket, lazy: false })
  await new Promise((resolve) => client.on('connected', resolve))
  const start = performance.now()
  for (let i = 0; i < OPS; i++) {
    for await (const result of client.iterate({ query: QUERY })) {
      if (result.data?.me?.id !== '1') throw new Error(`unexpected result ${JSON.stringify(result)}`)
    }
  }
  const elapsedMs = performance.now() - start
  await client.dispose()
  return OPS / (elapsedMs / 1000)
}

async function once1(c) {
  const server = await c.start()
  try {
    return await roundTrips(server.url)
  } finally {
    await server.close()
  }
}

const rates = Object.fromEntries(cases.map((c) => [c.key, []]))
for (const c of cases) await once1(c) // warm-up, not recorded
for (let r = 0; r < ROUNDS; r++) {
  for (let k = 0; k < cases.length; k++) {
    const c = cases[(r + k) % cases.length]
    rates[c.key].push(await once1(c))
  }
}
const stats = Object.fromEntries(cases.map((c) => [c.key, summarize(rates[c.key])]))
const rows = [['server', 'round trips/s (median)', 'spread', 'vs graphql-ws']]
for (const c of cases) rows.push([c.label, fmtInt(stats[c.key].median), fmtSpread(stats[c.key].spread), fmtRatio(stats[c.key].median / stats.graphqlWs.median)])
printTable(rows, { title: `graphql round trips: ${OPS} sequential queries per round over one connection, ${ROUNDS} rounds` })

const q = ratio(stats.kit, stats.graphqlWs, true)
writeResults('graphql', {
  opsPerRound: OPS,
  rounds: ROUNDS,
  results: Object.fromEntries(cases.map((c) => [c.key, { label: c.label, roundTripsPerSecond: Object.fromEntries(Object.entries(stats[c.key]).map(([k, v]) => [k, round(v, 4)])) }])),
  summary: [
    {
      metric: 'graphql round trip: mockGraphqlWs() vs a graphql-ws server (ops/s)',
      value: fmtInt(stats.kit.median),
      baseline: fmtInt(stats.graphqlWs.median),
      ratio: round(q.ratio),
    },
  ],
})
