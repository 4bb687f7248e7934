// The shared contract (test/contract/cases.cjs) through the `ws` transport, twice: the mock's own server
// (`mockWs()`), and a router mounted on a plain `http.Server` serving the same builder's plan.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, test } from 'vitest'
import { closeAllMocks, mockWs, router, ScenarioFailureError, trackMock, type MockWsBuilder } from '../../src/index.js'
import { expect } from '../../src/integrations/vitest.js'
import { MESSAGE_STREAM } from '../../src/session/message-stream.js'
import { cases, sessionCases } from '../contract/cases.cjs'
import type { ContractContext } from '../contract/cases.cjs'
import { connectNode } from '../contract/node-client.cjs'

afterEach(() => closeAllMocks())

const base = { mockWs, expect, connect: connectNode as ContractContext['connect'], ScenarioFailureError, closeAllMocks }

describe('contract through mockWs() (the ws transport on the mock\'s own server)', () => {
  const context = { ...base, start: (builder: MockWsBuilder) => builder }
  for (const c of cases) test(c.name, () => c.run(context))
  for (const c of sessionCases) test(c.name, () => c.run(context))
})

/** Mounts a router serving `builder` on a fresh HTTP server; the result reads like a mock and is tracked like one. */
async function startRouter(builder: MockWsBuilder) {
  const mounted = router({ path: '/ws', plan: await builder.plan() })
  const server = http.createServer()
  server.on('upgrade', (request, socket, head) => {
    if (!mounted.handleUpgrade(request, socket, head)) socket.destroy()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  let closing: Promise<void> | undefined
  const mock = {
    url: `ws://127.0.0.1:${port}/ws`,
    port,
    get transcript() {
      return mounted.transcript
    },
    get sent() {
      return mounted.transcript.filter((f) => f.dir === 'out' && !f.close)
    },
    get failures() {
      return mounted.failures
    },
    get connections() {
      return mounted.connections
    },
    get metrics() {
      return mounted.metrics
    },
    get closed() {
      return closing !== undefined
    },
    get [MESSAGE_STREAM]() {
      return mounted[MESSAGE_STREAM]
    },
    nextConnection: mounted.nextConnection,
    toReplay: mounted.toReplay,
    close(): Promise<void> {
      closing ??= mounted.close().finally(() => {
        untrack()
        return new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        })
      })
      return closing
    },
  }
  const untrack = trackMock(mock)
  return mock
}

describe('contract through router() (the ws transport on a server the test owns)', () => {
  const context = { ...base, start: startRouter }
  for (const c of cases) test(c.name, () => c.run(context))
  for (const c of sessionCases) test(c.name, () => c.run(context))
})
