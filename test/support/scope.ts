// Per-test setup shared by the test files that open real servers and clients: what a test opens is closed after it
// (last opened, first closed), its temporary directory removed, and then nothing may be left (the leak check).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach } from 'vitest'
import type WebSocket from 'ws'
import type { MockWs } from '../../src/server/mock-ws.js'
import { connectClient, type TestClient } from './client.js'
import { watchLeaks, type LeakWatch, type WatchLeaksOptions } from './leaks.js'

/** The current test's resources; valid inside a test (and its hooks) of a file that called {@link useTestScope}. */
export interface TestScope {
  /** Runs `close` after the test, before the leak check (the last one deferred runs first). */
  defer(close: () => unknown): void
  /** The test's own temporary directory (with `tempDir` set), removed after the test. */
  readonly dir: string
  /**
   * Awaits a mock (a builder or a started one) and closes it after the test; with `ignoreCloseError` a rejected
   * close (a strict mock reporting its failures, which the test has checked) does not fail the test.
   */
  mock(builder: PromiseLike<MockWs>, options?: { ignoreCloseError?: boolean }): Promise<MockWs>
  /** Connects a real `ws` client and closes it after the test. */
  client(url: string, protocols?: string | string[], options?: WebSocket.ClientOptions): Promise<TestClient>
}

/** Options of {@link useTestScope}. */
export interface TestScopeOptions extends WatchLeaksOptions {
  /** Prefix of a temporary directory made for each test (under `os.tmpdir()`); none without it. */
  tempDir?: string
  /** Check for leaks after each test (default true). */
  leaks?: boolean
}

/**
 * Registers `beforeEach`/`afterEach` hooks that give each test of the file a {@link TestScope}.
 * @example
 * const scope = useTestScope({ tempDir: 'mockforge-ws-vcr-' })
 * it('replays', async () => { const ws = await scope.mock(mockWs().replay(join(scope.dir, 'a.jsonl'))) })
 */
export function useTestScope(options: TestScopeOptions = {}): TestScope {
  let closers: (() => unknown)[] = []
  let dir: string | undefined
  let leaks: LeakWatch | undefined
  beforeEach(async () => {
    closers = []
    if (options.leaks !== false) leaks = watchLeaks(options)
    dir = options.tempDir === undefined ? undefined : await mkdtemp(join(tmpdir(), options.tempDir))
  })
  afterEach(async () => {
    const errors: unknown[] = []
    for (const close of closers.splice(0).reverse()) {
      try {
        await close()
      } catch (error) {
        errors.push(error)
      }
    }
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
    dir = undefined
    if (errors.length > 0) {
      leaks?.stop()
      throw errors[0]
    }
    // Nothing the test opened (client sockets, upstream sockets, servers, timers) outlives it.
    await leaks?.expectNone()
  })
  const scope: TestScope = {
    defer(close) {
      closers.push(close)
    },
    get dir() {
      if (dir === undefined) throw new Error('useTestScope: no temporary directory; pass { tempDir: "prefix-" }, and use it inside a test')
      return dir
    },
    async mock(builder, mockOptions = {}) {
      const ws = await builder
      scope.defer(() => (mockOptions.ignoreCloseError ? ws.close().catch(() => undefined) : ws.close()))
      return ws
    },
    async client(url, protocols, clientOptions) {
      const c = await connectClient(url, protocols, clientOptions)
      scope.defer(() => c.close())
      return c
    },
  }
  return scope
}
