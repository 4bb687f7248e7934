import net from 'node:net'
import { describe, expect, it } from 'vitest'
import { WebSocketServer } from 'ws'
import { connectClient } from './client.js'
import { watchLeaks } from './leaks.js'

describe('watchLeaks (the one leak check of the suite)', () => {
  it('notices a timer left pending, says where it was made, and passes once it is cleared', async () => {
    const leaks = watchLeaks({ settleMs: 50 })
    const timer = setTimeout(() => {}, 60_000)
    expect(leaks.counts()).toEqual({ sockets: 0, servers: 0, timers: 1 })
    expect(leaks.left()).toEqual([{ kind: 'timers', what: 'timer of 60000 ms', createdAt: expect.stringMatching(/^.*test\/support\/leaks\.test\.ts:10:\d+\)?$/) }])
    await expect(leaks.expectNone()).rejects.toThrow(/timer of 60000 ms, created at .*leaks\.test\.ts:10/)
    clearTimeout(timer)
    await watchLeaks({ settleMs: 50 }).expectNone()
  })

  it('counts a timer pending at the check as left, even when it fires while the check settles', async () => {
    const leaks = watchLeaks({ settleMs: 500 })
    let fired = false
    setTimeout(() => (fired = true), 20)
    await expect(leaks.expectNone()).rejects.toThrow(/timer of 20 ms \(fired while the check settled\)/)
    expect(fired).toBe(true)
  })

  it('does not count an unref()ed timer, which would not keep the process alive', async () => {
    const leaks = watchLeaks({ settleMs: 50 })
    const timer = setTimeout(() => {}, 60_000).unref()
    expect(leaks.counts().timers).toBe(0)
    await leaks.expectNone()
    clearTimeout(timer)
  })

  it('notices an interval', async () => {
    const leaks = watchLeaks({ settleMs: 50 })
    const interval = setInterval(() => {}, 60_000)
    expect(leaks.left().map((r) => r.what)).toEqual(['interval of 60000 ms'])
    clearInterval(interval)
    await leaks.expectNone()
  })

  it('notices a listening server, with its address', async () => {
    const leaks = watchLeaks({ settleMs: 50 })
    const server = net.createServer().listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    const { port } = server.address() as net.AddressInfo
    expect(leaks.left().map((r) => r.what)).toEqual([`server on 127.0.0.1:${port}`])
    await expect(leaks.expectNone()).rejects.toThrow(/servers/)
    await new Promise((resolve) => server.close(resolve))
  })

  it('notices both ends of an open connection, and waits for closing sockets to let go', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await new Promise((resolve) => wss.once('listening', resolve))
    const { port } = wss.address() as net.AddressInfo
    const leaks = watchLeaks()
    const client = await connectClient(`ws://127.0.0.1:${port}/`)
    await expect.poll(() => leaks.counts().sockets).toBe(2)
    const localPort = (client.socket as unknown as { _socket: net.Socket })._socket.localPort
    expect(leaks.left().map((r) => r.what)).toContain(`socket 127.0.0.1:${localPort} → 127.0.0.1:${port}`)
    // Closed but not yet released: expectNone gives the handles the loop turns they need.
    await client.close()
    for (const socket of wss.clients) socket.terminate()
    await leaks.expectNone()
    await new Promise<void>((resolve, reject) => wss.close((error) => (error ? reject(error) : resolve())))
  })

  it("does not count what existed before it started, nor the runner's own timeout timers", async () => {
    const before = setTimeout(() => {}, 60_000)
    const leaks = watchLeaks({ settleMs: 50 })
    // This test's own timeout timer (and the afterEach hooks' ones) are pending right now, but made by vitest.
    expect(leaks.counts()).toEqual({ sockets: 0, servers: 0, timers: 0 })
    clearTimeout(before)
    await leaks.expectNone()
  })
})
