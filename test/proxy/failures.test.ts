import { performance } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import { mockWs } from '../../src/server/builder.js'
import type { MockWs } from '../../src/server/mock-ws.js'
import type { ProxyOptions } from '../../src/proxy/plugin.js'
import { useTestScope } from '../support/scope.js'
import { closedPort, startSilentServer, startUpstream, type Upstream } from './support.js'

const scope = useTestScope()

async function upstream(options: Parameters<typeof startUpstream>[0] = {}): Promise<Upstream> {
  const up = await startUpstream(options)
  scope.defer(() => up.close())
  return up
}

const { client } = scope

/**
 * A mock proxying `/ws` to `failing` and `/ok` to a healthy upstream, so that after a failure
 * the same mock can be shown to serve the next client.
 */
async function proxyWithFallback(failing: string, options: ProxyOptions = {}): Promise<{ ws: MockWs; healthy: Upstream }> {
  const healthy = await upstream()
  const ws = await mockWs({ path: '*' }).proxy(failing, { ...options, rules: [{ pattern: '/ok', upstreamUrl: healthy.url }] })
  scope.defer(() => ws.close())
  return { ws, healthy }
}

async function expectStillServing(ws: MockWs): Promise<void> {
  const next = await client(`ws://127.0.0.1:${ws.port}/ok`)
  next.send('still there?')
  expect(await next.next()).toBe('echo:still there?')
}

describe('upstream failures close the client with 1014 and a reason; the mock keeps serving', () => {
  it('refused: nothing listens on the upstream port', async () => {
    const port = await closedPort()
    const { ws } = await proxyWithFallback(`ws://127.0.0.1:${port}/feed`)
    const c = await client(`ws://127.0.0.1:${ws.port}/ws`)
    const closed = await c.closed
    expect(closed).toEqual({ code: 1014, reason: `upstream refused the connection (127.0.0.1:${port})` })
    expect(ws.metrics.errors).toBe(1)
    await expectStillServing(ws)
  })

  it('DNS: the upstream host does not resolve', async () => {
    const { ws } = await proxyWithFallback('ws://mockforge-ws-test.invalid/feed')
    const c = await client(`ws://127.0.0.1:${ws.port}/ws`)
    expect(await c.closed).toMatchInlineSnapshot(`
      {
        "code": 1014,
        "reason": "upstream host not found (mockforge-ws-test.invalid)",
      }
    `)
    await expectStillServing(ws)
  })

  it('handshake rejected: the upstream answers 403', async () => {
    const rejecting = await upstream({ verifyClient: (_info, done) => done(false, 403, 'Forbidden') })
    const { ws } = await proxyWithFallback(rejecting.url)
    const c = await client(`ws://127.0.0.1:${ws.port}/ws`)
    expect(await c.closed).toMatchInlineSnapshot(`
      {
        "code": 1014,
        "reason": "upstream rejected the handshake (HTTP 403)",
      }
    `)
    await expectStillServing(ws)
  })

  it('closes mid-stream: the upstream drops the connection without a close frame', async () => {
    const dropping = await upstream({
      onConnection: (u) => u.socket.once('message', () => u.socket.terminate()),
    })
    const { ws } = await proxyWithFallback(dropping.url)
    const c = await client(`ws://127.0.0.1:${ws.port}/ws`)
    c.send('this makes the upstream drop')
    expect(await c.closed).toMatchInlineSnapshot(`
      {
        "code": 1014,
        "reason": "upstream closed abnormally (1006, no close frame)",
      }
    `)
    expect(ws.toReplay({ connection: 1 }).at(-1)).toMatchObject({ dir: 'out', close: { code: 1014 } })
    await expectStillServing(ws)
  })

  it('hang: the upstream accepts TCP but never answers the handshake, past connectTimeoutMs', async () => {
    const silent = await startSilentServer()
    scope.defer(() => silent.close())
    const connectTimeoutMs = 200
    const { ws } = await proxyWithFallback(silent.url, { connectTimeoutMs })
    const started = performance.now()
    const c = await client(`ws://127.0.0.1:${ws.port}/ws`)
    expect(await c.closed).toMatchInlineSnapshot(`
      {
        "code": 1014,
        "reason": "upstream did not complete the handshake within 200 ms",
      }
    `)
    const elapsed = performance.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(connectTimeoutMs - 5)
    expect(elapsed).toBeLessThan(connectTimeoutMs + 2000)
    await expectStillServing(ws)
  })

  it('never retries: one failed client means exactly one upstream attempt', async () => {
    let attempts = 0
    const rejecting = await upstream({
      verifyClient: (_info, done) => {
        attempts++
        done(false, 503)
      },
    })
    const { ws } = await proxyWithFallback(rejecting.url)
    const c = await client(`ws://127.0.0.1:${ws.port}/ws`)
    expect((await c.closed).reason).toBe('upstream rejected the handshake (HTTP 503)')
    expect(attempts).toBe(1)
  })

  it('closing the mock while an upstream is still connecting aborts the attempt and leaves no socket behind', async () => {
    const slow = await startSilentServer()
    scope.defer(() => slow.close())
    const { ws } = await proxyWithFallback(slow.url, { connectTimeoutMs: 10_000 })
    // Closing the mock aborts the pending upstream attempt instead of waiting 10 s for it.
    const { default: WebSocket } = await import('ws')
    const raw = new WebSocket(`ws://127.0.0.1:${ws.port}/ws`)
    const failed = new Promise<void>((resolve) => raw.once('error', () => resolve()))
    const started = performance.now()
    await ws.close()
    await failed
    expect(performance.now() - started).toBeLessThan(2000)
  })
})
