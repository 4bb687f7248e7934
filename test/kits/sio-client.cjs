'use strict'
// A real socket.io-client 4.x socket with awaitable events, for the kit's tests in every runner (CommonJS so
// Jest's CJS files can require it; Vitest and Playwright import it).
const { io } = require('socket.io-client')

/** An awaitable FIFO: items pushed before anyone waits are kept. */
function queue() {
  const items = []
  const waiters = []
  return {
    push(item) {
      const w = waiters.shift()
      if (w) {
        clearTimeout(w.timer)
        w.resolve(item)
      } else items.push(item)
    },
    take(timeoutMs, what) {
      if (items.length > 0) return Promise.resolve(items.shift())
      return new Promise((resolve, reject) => {
        const w = { resolve, timer: undefined }
        w.timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1)
          reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`))
        }, timeoutMs)
        waiters.push(w)
      })
    },
  }
}

const WAIT_MS = 5000

/**
 * Connects socket.io-client to `url` (default options unless given) and records every event it receives.
 * `next(event)` resolves with the args of the next `event`; `disconnected` with the disconnect reason.
 */
function connectSio(url, options) {
  const socket = options === undefined ? io(url, { forceNew: true }) : io(url, { forceNew: true, ...options })
  const byEvent = new Map()
  const of = (event) => {
    let q = byEvent.get(event)
    if (!q) byEvent.set(event, (q = queue()))
    return q
  }
  socket.onAny((event, ...args) => of(event).push(args))
  const connected = new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket))
    socket.once('connect_error', (error) => reject(error))
  })
  const disconnected = new Promise((resolve) => socket.once('disconnect', (reason) => resolve(reason)))
  return {
    socket,
    connected,
    disconnected,
    next: (event, timeoutMs = WAIT_MS) => of(event).take(timeoutMs, `the event ${JSON.stringify(event)} on ${url}`),
    /** Disconnects and waits until the transport is gone. */
    async close() {
      if (socket.connected) {
        socket.disconnect()
        await disconnected
      } else socket.disconnect()
      socket.io.engine?.close()
    },
  }
}

/** A `connectSio` that remembers its clients, and `closeClients()` to close them all (for `afterEach`). */
function trackClients() {
  const clients = []
  return {
    client(url, options) {
      const c = connectSio(url, options)
      clients.push(c)
      return c
    },
    closeClients: () => Promise.all(clients.splice(0).map((c) => c.close())),
  }
}

module.exports = { connectSio, trackClients, queue, WAIT_MS }
