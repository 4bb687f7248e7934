// Node setup for the MSW tests: Node 20 has no global WebSocket (without --experimental-websocket), and MSW
// only intercepts a global one, so undici's WebSocket is installed as the global before MSW patches it.
import { setupServer } from 'msw/node'
import { WebSocket as UndiciWebSocket } from 'undici'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { closeAllMswMocks } from '../../../src/integrations/msw.js'

type SetupServerApi = ReturnType<typeof setupServer>

/**
 * Installs the global WebSocket and an MSW server for the calling test file; closes every MSW mock after each test.
 * @example
 * const msw = useMswServer(); msw.server.use(chat.handler)
 */
export function useMswServer(): { readonly server: SetupServerApi } {
  const state: { server?: SetupServerApi } = {}
  let original: PropertyDescriptor | undefined
  beforeAll(() => {
    original = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket')
    Object.defineProperty(globalThis, 'WebSocket', { value: UndiciWebSocket, configurable: true, writable: true })
    const server = setupServer()
    // 'bypass': real sockets (a real-socket mockWs() in the same test) must still reach their servers.
    server.listen({ onUnhandledRequest: 'bypass' })
    state.server = server
  })
  afterEach(async () => {
    try {
      await closeAllMswMocks()
    } finally {
      state.server?.resetHandlers()
    }
  })
  afterAll(() => {
    state.server?.close()
    if (original) Object.defineProperty(globalThis, 'WebSocket', original)
    else delete (globalThis as { WebSocket?: unknown }).WebSocket
  })
  return {
    get server(): SetupServerApi {
      if (!state.server) throw new Error('useMswServer(): the server starts in beforeAll')
      return state.server
    },
  }
}
