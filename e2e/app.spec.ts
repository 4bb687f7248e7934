// The app in e2e/app keeps its production feed URL; routeToMock sends that socket to a mock.
import { expect, routeToMock, ORIGINAL_URL_HEADER } from '../src/integrations/playwright.js'
import { test } from './support/fixtures.js'

test('the app subscribes and renders prices from a replay, through its production URL', async ({ page, mockWs, app }) => {
  const ws = await mockWs().replay([
    { ts: 0, dir: 'in', match: '"type":"subscribe"' },
    { ts: 0, dir: 'out', text: '{"type":"price","symbol":"ACME","price":101.5}' },
    { ts: 20, dir: 'out', text: '{"type":"price","symbol":"ACME","price":{{randInt 102 102}}}' },
  ])
  await routeToMock(page, 'wss://api.example.com/feed**', ws)
  await page.goto(app.origin)
  await expect(page.locator('#status')).toHaveText('live')
  await expect(page.locator('#prices li')).toHaveText(['ACME 101.5', 'ACME 102'])
  await expect(ws).toReceiveMessage({ type: 'subscribe', symbols: ['ACME'] })
  expect(ws).toHaveConnections(1)
  expect(ws).toHaveNoFailures()
  // The mock saw the page's query string and, in a header, the URL the page asked for.
  const conn = ws.connections[0]
  expect(conn?.url).toBe('/ws?token=demo')
  expect(conn?.headers[ORIGINAL_URL_HEADER]).toBe('wss://api.example.com/feed?token=demo')
})

test('page actions reach the mock, and a close from the mock reaches the page', async ({ page, mockWs, app }) => {
  const ws = await mockWs()
  await routeToMock(page, /api\.example\.com\/feed/, ws)
  await page.goto(app.origin)
  await expect(ws).toReceiveMessage({ type: 'subscribe' })
  await page.click('#unsubscribe')
  await expect(ws).toReceiveMessage({ type: 'unsubscribe', symbols: ['ACME'] })
  expect(ws).toHaveReceivedMessages([{ type: 'subscribe' }, { type: 'unsubscribe' }])
  const conn = await ws.nextConnection()
  conn.close(4000, 'maintenance')
  await expect(page.locator('#status')).toHaveText('closed 4000')
})

test('binary frames cross the route both ways', async ({ page, mockWs, app }) => {
  const ws = await mockWs().send(new Uint8Array([1, 2, 255]))
  await routeToMock(page, 'wss://api.example.com/bin', ws)
  await page.goto(`${app.origin}/harness.html`)
  const received = await page.evaluate(
    () =>
      new Promise<number[]>((resolve) => {
        const socket = new WebSocket('wss://api.example.com/bin')
        socket.binaryType = 'arraybuffer'
        socket.onmessage = (event) => {
          socket.send(new Uint8Array([9, 8]))
          resolve([...new Uint8Array(event.data as ArrayBuffer)])
        }
      }),
  )
  expect(received).toEqual([1, 2, 255])
  await expect.poll(() => ws.transcript.filter((f) => f.dir === 'in' && f.binary).map((f) => [...(f.binary ?? [])])).toEqual([[9, 8]])
})

test('a mock that refuses the path closes the page socket without opening it', async ({ page, mockWs, app }) => {
  const ws = await mockWs({ path: '/only-here' })
  // Routed to a mock whose path differs: the upgrade is refused (404), and the page sees an abnormal close.
  await routeToMock(page, 'wss://api.example.com/feed**', { url: `ws://127.0.0.1:${ws.port}/elsewhere`, path: '/elsewhere' })
  await page.goto(app.origin)
  await expect(page.locator('#status')).toHaveText('closed 1006')
  expect(ws).toHaveConnections(0)
})
