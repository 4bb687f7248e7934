import http from 'node:http'
import { afterEach, describe, expect, test } from 'vitest'
import WebSocket from 'ws'
import { mockWs, router, type MockWs } from '../../src/index.js'
import { examplePath, isPathPattern, pathMatcher } from '../../src/server/path-pattern.js'
import { connectClient } from '../support/client.js'

describe('path patterns', () => {
  test('{name} matches any one non-empty segment; literals must be equal; * matches anything', () => {
    const rooms = pathMatcher('/rooms/{room}/chat')
    expect(rooms('/rooms/lobby/chat')).toBe(true)
    expect(rooms('/rooms/a.b-c%20d/chat')).toBe(true)
    expect(rooms('/rooms//chat')).toBe(false)
    expect(rooms('/rooms/a/b/chat')).toBe(false)
    expect(rooms('/rooms/lobby/chat/')).toBe(false)
    expect(pathMatcher('/v1/{a}-{b}')('/v1/x-y')).toBe(true)
    expect(pathMatcher('/a.b')('/aXb')).toBe(false) // literals are not regexes
    expect(pathMatcher('/ws')('/ws')).toBe(true)
    expect(pathMatcher('/ws')('/ws/')).toBe(false)
    expect(pathMatcher('*')('/anything/at/all')).toBe(true)
    expect(isPathPattern('/ws')).toBe(false)
    expect(isPathPattern('/rooms/{room}')).toBe(true)
    expect(examplePath('/v1/markets/{symbol}')).toBe('/v1/markets/symbol')
  })
})

describe('a mock or router on a pattern path', () => {
  let mocks: MockWs[] = []
  afterEach(async () => {
    for (const m of mocks) await m.close()
    mocks = []
  })

  test('mockWs({ path }) accepts every matching path, refuses others with 404; exact paths behave as before', async () => {
    const ws = await mockWs({ path: '/rooms/{room}' })
    mocks.push(ws)
    expect(ws.url).toBe(`ws://127.0.0.1:${ws.port}/rooms/room`)
    const a = await connectClient(`ws://127.0.0.1:${ws.port}/rooms/lobby`)
    const b = await connectClient(`ws://127.0.0.1:${ws.port}/rooms/kitchen?x=1`)
    expect(ws.connections.map((c) => c.path)).toEqual(['/rooms/lobby', '/rooms/kitchen'])
    a.send('hi')
    expect(await a.next()).toBe('hi') // echo
    const refused = new WebSocket(`ws://127.0.0.1:${ws.port}/rooms`)
    const status = await new Promise<number | undefined>((resolve) => {
      refused.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode)
        refused.terminate()
      })
      refused.on('error', () => resolve(undefined))
    })
    expect(status).toBe(404)
    await a.close()
    await b.close()
  })

  test('router({ path }) with a pattern leaves other paths to other upgrade listeners', async () => {
    const server = http.createServer()
    const ws = router({ path: '/t/{id}' })
    let others = 0
    server.on('upgrade', (req, socket, head) => {
      if (!ws.handleUpgrade(req, socket, head)) {
        others++
        socket.destroy()
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
    const port = (server.address() as { port: number }).port
    try {
      const client = await connectClient(`ws://127.0.0.1:${port}/t/42`)
      client.send('ping')
      expect(await client.next()).toBe('ping')
      await client.close()
      const stray = new WebSocket(`ws://127.0.0.1:${port}/other`)
      await new Promise((resolve) => stray.on('error', resolve))
      expect(others).toBe(1)
    } finally {
      await ws.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})
