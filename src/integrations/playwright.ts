import { test as baseTest, expect as baseExpect, type BrowserContext, type Page, type TestInfo, type WebSocketRoute } from '@playwright/test'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import WebSocket from 'ws'
import { ORIGINAL_URL_HEADER } from '../constants.js'
import { RECORD_CONNECTION_PLACEHOLDER } from '../proxy/recorder.js'
import { connectionFile, perConnectionReplay, removeOldRecordings, vcrMode, type VcrMode } from '../proxy/vcr.js'
import { pickRecordTransform, recordingToReplay, resolveRecordTransform, type RecordedFrame, type RecordTransformOptions } from '../replay/record-transform.js'
import { toJSONL } from '../replay/serialize.js'
import { mockWs } from '../server/builder.js'
import type { MockWs, MockWsOptions } from '../server/mock-ws.js'
import { liveMocks } from '../server/registry.js'
import { isClientCloseCode } from '../session/close-codes.js'
import { transcriptToJsonl } from '../view/transcript-jsonl.js'
import { renderTimeline } from '../view/timeline.js'
import { createFixtureScope, throwAll, type MockWsFactory } from './fixture.js'
import { mockWsMatchers } from './matchers.js'
export type { MockWsMatchers, ReceiveMessageOptions } from './matchers.js'
export type { MockWsFactory } from './fixture.js'
export { mockWsMatchers } from './matchers.js'

/** Header carrying the URL the page asked for, on the connection `routeToMock` opens to the mock. */
export { ORIGINAL_URL_HEADER } from '../constants.js'

/**
 * The fixtures `test` adds to Playwright's.
 * @example
 * test('x', async ({ page, mockWs }: MockWsFixtures & { page: Page }) => {})
 */
export interface MockWsFixtures {
  /** `mockWs()` whose servers close after the test; strict-mode failures of mocks left open fail the test. */
  mockWs: MockWsFactory
  /** @internal automatic: closes the mocks of any kind (protocol kits, `mockWs()` imported from the core) that the test started and left open. */
  mockforgeTeardown: void
}

/**
 * Playwright's `test` with a `mockWs` fixture: a factory whose servers are closed after each test.
 * @example
 * test('live prices', async ({ page, mockWs }) => {
 *   const ws = await mockWs().replay('test/fixtures/prices.jsonl')
 *   await routeToMock(page, 'wss://api.example.com/prices', ws)
 *   await page.goto(appUrl)
 * })
 */
export const test = baseTest.extend<MockWsFixtures>({
  // Playwright reads the fixture's dependencies from the destructuring pattern; this fixture has none.
  // eslint-disable-next-line no-empty-pattern
  mockWs: async ({}, use, testInfo) => {
    const scope = createFixtureScope()
    try {
      await use(scope.factory)
    } finally {
      const failed = await scope.teardown().then(
        () => undefined,
        (error: unknown) => ({ error }),
      )
      if (failed || testInfo.status !== testInfo.expectedStatus) await attachTimelines(testInfo, await scope.mocks())
      if (failed) throw failed.error
    }
  },
  // A worker runs one test at a time, so the mocks registered during this test are the ones it started.
  mockforgeTeardown: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const before = new Set(liveMocks())
      await use()
      const started = liveMocks().filter((m) => !before.has(m))
      throwAll(await Promise.allSettled(started.map((m) => m.close())))
    },
    { auto: true },
  ],
})

/**
 * Attaches each mock's transcript (`mockforge-ws-N.jsonl`) and HTML timeline (`mockforge-ws-N.html`) to a test;
 * the `mockWs` fixture calls it when a test fails, and a fixture of your own can too.
 * @example
 * if (testInfo.status !== testInfo.expectedStatus) await attachTimelines(testInfo, [ws])
 */
export async function attachTimelines(testInfo: TestInfo, mocks: readonly MockWs[]): Promise<void> {
  let n = 0
  for (const mock of mocks) {
    n++
    const title = `${testInfo.titlePath.join(' › ')} — ${mock.url}`
    await testInfo.attach(`mockforge-ws-${n}.jsonl`, { body: transcriptToJsonl(mock.transcript, mock.failures), contentType: 'application/jsonl' })
    await testInfo.attach(`mockforge-ws-${n}.html`, {
      body: renderTimeline({ title, frames: mock.transcript, failures: mock.failures }),
      contentType: 'text/html',
    })
  }
}

/**
 * Playwright's `expect` with the mockforge-ws matchers (`toReceiveMessage`, `toHaveReceivedMessage`, …).
 * @example
 * await expect(ws).toReceiveMessage({ type: 'subscribe' })
 */
export const expect = baseExpect.extend(mockWsMatchers)

/** What `routeToMock` needs of a mock: its URL and path (a `MockWs`). */
export interface RouteTarget {
  readonly url: string
  readonly path: string
}

/** Where a routed socket goes: the mock's origin and path (the page's path when the mock accepts any), the page's query. */
export function routedUrl(mock: RouteTarget, original: string): string {
  const from = new URL(original)
  const to = new URL(mock.url)
  if (mock.path === '*') to.pathname = from.pathname
  to.search = from.search
  return to.href
}

/**
 * Sends every WebSocket the page (or context) opens to a URL matching `url` to the mock instead, so the app
 * under test keeps its production URL; the mock sees the page's query and subprotocols.
 * @example
 * const ws = await mockWs().send('{"type":"welcome"}')
 * await routeToMock(page, 'wss://api.example.com/feed', ws)
 */
export async function routeToMock(
  target: Page | BrowserContext,
  url: string | RegExp | ((url: URL) => boolean),
  mock: RouteTarget,
): Promise<void> {
  await target.routeWebSocket(url, (route) => bridge(route, mock))
}

// Playwright's `connectToServer()` can only reach the URL the page asked for, so the route is answered
// in mock mode and a real client in this process carries the traffic to the mock: the mock still sees a
// real WebSocket connection, and the page sees `open` only once the mock has accepted it.
async function bridge(route: WebSocketRoute, mock: RouteTarget): Promise<void> {
  const upstream = new WebSocket(routedUrl(mock, route.url()), route.protocols(), {
    headers: { [ORIGINAL_URL_HEADER]: route.url() },
  })
  upstream.on('message', (data, isBinary) => {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer)
    route.send(isBinary ? bytes : bytes.toString('utf8'))
  })
  upstream.on('error', () => {
    // 'close' follows every 'error'; the page learns of the failure there.
  })
  const closed = new Promise<void>((resolve) => {
    upstream.on('close', (code, reason) => {
      void route.close({ code, reason: reason.toString() })
      resolve()
    })
  })
  route.onMessage((message) => {
    if (upstream.readyState === WebSocket.OPEN) upstream.send(message)
  })
  route.onClose((code, reason) => {
    if (upstream.readyState === WebSocket.OPEN || upstream.readyState === WebSocket.CONNECTING) {
      // Only a code a client may send itself is passed on; anything else closes without a code.
      if (isClientCloseCode(code)) upstream.close(code, reason)
      else upstream.close()
    }
    // The page's own close completes when the mock answers, through the 'close' handler above.
  })
  const opened = new Promise<void>((resolve) => upstream.once('open', () => resolve()))
  await Promise.race([opened, closed])
}

/**
 * Options of `routeFromReplay()`: when to record again, the record options, and the replaying mock's options.
 * @example
 * const opts: RouteFromReplayOptions = { update: process.env.CI === undefined, ignore: ['$.ts'], mock: { strict: true } }
 */
export interface RouteFromReplayOptions extends RecordTransformOptions {
  /** Record again from the real server even when the file exists (also: `MOCKFORGE_WS_UPDATE=1`). */
  update?: boolean
  /** Options of the mock that replays the file (default `{ strict: true }`). */
  mock?: MockWsOptions
}

/** What `routeFromReplay()` set up: the mode, the replaying mock, and how to finish. */
export interface ReplayRoute {
  readonly mode: VcrMode
  /** The mock replaying the file (replay mode only). */
  readonly mock: MockWs | undefined
  /** Recordings written so far (record mode). */
  readonly written: readonly string[]
  /** Replay: closes the mock (rejects with strict failures). Record: writes the sockets still open and stops recording. */
  close(): Promise<void>
}

interface RecordingSocket {
  id: number
  start: number
  frames: RecordedFrame[]
  written: boolean
}

/**
 * Record once against the real server, replay in CI: replays `file` to the page's WebSockets matching `url`
 * through a mock; with `update` (or `MOCKFORGE_WS_UPDATE=1`, or no file yet) connects the page to the real
 * server and records both directions into `file` (one file per socket with `{connection}` in the name).
 * @example
 * const route = await routeFromReplay(page, 'wss://api.example.com/feed', 'test/fixtures/feed.jsonl')
 * await page.goto(appUrl)
 * await route.close()
 */
export async function routeFromReplay(
  target: Page | BrowserContext,
  url: string | RegExp | ((url: URL) => boolean),
  file: string,
  opts: RouteFromReplayOptions = {},
): Promise<ReplayRoute> {
  const { update, mock: mockOptions, ...recordOptions } = opts
  const transform = resolveRecordTransform(pickRecordTransform(recordOptions), 'routeFromReplay()')
  if (vcrMode(file, update !== undefined ? { update } : {}) === 'replay') {
    const builder = mockWs({ strict: true, ...mockOptions, path: '*' })
    const mock = await (file.includes(RECORD_CONNECTION_PLACEHOLDER) ? builder.use(perConnectionReplay(file)) : builder.replay(file))
    await routeToMock(target, url, mock)
    return { mode: 'replay', mock, written: [], close: () => mock.close() }
  }
  removeOldRecordings(file)
  const sockets: RecordingSocket[] = []
  const written: string[] = []
  const writes: Promise<void>[] = []
  let stopped = false
  const save = (socket: RecordingSocket): void => {
    if (socket.written) return
    const perSocket = file.includes(RECORD_CONNECTION_PLACEHOLDER)
    if (!perSocket && socket.id !== 1) return
    socket.written = true
    const path = connectionFile(file, socket.id)
    const text = toJSONL(recordingToReplay(socket.frames, transform, { recordedAt: socket.start }))
    writes.push(
      mkdir(dirname(path), { recursive: true })
        .then(() => writeFile(path, text))
        .then(() => {
          written.push(path)
        }),
    )
  }
  await target.routeWebSocket(url, (route) => {
    if (stopped) {
      route.connectToServer()
      return
    }
    const socket: RecordingSocket = { id: sockets.length + 1, start: Date.now(), frames: [], written: false }
    sockets.push(socket)
    const ts = (): number => Date.now() - socket.start
    const frame = (dir: 'in' | 'out', message: string | Buffer): RecordedFrame =>
      typeof message === 'string' ? { ts: ts(), dir, text: message } : { ts: ts(), dir, binary: new Uint8Array(message) }
    const server = route.connectToServer()
    route.onMessage((message) => {
      socket.frames.push(frame('in', message))
      server.send(message)
    })
    server.onMessage((message) => {
      socket.frames.push(frame('out', message))
      route.send(message)
    })
    route.onClose((code, reason) => {
      void server.close({ ...(code !== undefined ? { code } : {}), ...(reason !== undefined ? { reason } : {}) })
      save(socket)
    })
    server.onClose((code, reason) => {
      socket.frames.push({ ts: ts(), dir: 'out', close: { ...(code !== undefined ? { code } : {}), ...(reason !== undefined ? { reason } : {}) } })
      void route.close({ ...(code !== undefined ? { code } : {}), ...(reason !== undefined ? { reason } : {}) })
      save(socket)
    })
  })
  return {
    mode: 'record',
    mock: undefined,
    written,
    close: async () => {
      stopped = true
      for (const socket of sockets) save(socket)
      await Promise.all(writes)
    },
  }
}
