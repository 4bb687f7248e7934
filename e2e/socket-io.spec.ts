// The Socket.IO kit in real Chromium: a page loads the socket.io client bundle served by the mock's own
// socket.io server, connects with default options and receives an event. Then the kit's contract cases
// (test/contract/socket-io-cases.cjs) through Playwright, whose automatic teardown closes kit mocks too.
import { liveMockCount } from '../src/index.js'
import { expect } from '../src/integrations/playwright.js'
import { ioEvent, mockSocketIo } from '../src/kits/socket-io/index.js'
import kitContract from '../test/contract/socket-io-cases.cjs'
import { test } from './support/fixtures.js'

const { cases, teardownCases } = kitContract

interface PageState {
  events: unknown[][]
  transports: string[]
  error?: string
}

test('a page in Chromium loads the socket.io client bundle, connects with default options and receives an event', async ({ page, app }) => {
  const io = await mockSocketIo({ strict: true })
    .expectEmit('hello', { from: 'chromium', ua: true })
    .emit('welcome', { text: 'hi from the mock', n: '{{seq}}' })
    .emitWithAck('ping', [1], { expect: [] })
  await page.goto(`${app.origin}/socket-io.html?mock=${encodeURIComponent(io.url)}`)
  await page.waitForFunction(() => (window as unknown as { sio: PageState }).sio.events.length >= 2 || (window as unknown as { sio: PageState }).sio.error !== undefined)
  const state = await page.evaluate(() => {
    const { events, transports, error } = (window as unknown as { sio: PageState }).sio
    return { events, transports, error }
  })
  expect(state.error).toBeUndefined()
  expect(state.events[0]).toEqual(['welcome', { text: 'hi from the mock', n: '1' }])
  expect(state.events[1]?.[0]).toBe('ping')
  // Default options: the first transport is long-polling.
  expect(state.transports[0]).toBe('polling')
  await expect(io).toReceiveMessage(ioEvent('hello', { from: 'chromium' }))
  await expect.poll(() => io.events.filter((e) => e.event === 'ping' && e.ack !== undefined).length).toBe(1)
  expect(io).toHaveNoFailures()
  await page.close()
  await io.close()
})

test.describe('socket.io kit contract through Playwright', () => {
  for (const c of [...cases, ...teardownCases()]) {
    test(c.name, async () => {
      await c.run({ mockSocketIo, expect, ioEvent, liveMockCount })
    })
  }
})
