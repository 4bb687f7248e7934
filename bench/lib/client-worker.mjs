// The client side of the socket benches, run in its own process (see client-process.mjs) so
// that its CPU time and memory are never counted against the server under test.
// Commands arrive over IPC; each gets one reply: { ok: true, ... } or { ok: false, error }.
import { once } from 'node:events'
import { performance } from 'node:perf_hooks'
import { WebSocket } from 'ws'
import { serveCommands } from './client-process.mjs'

/** Upgrades in flight at once while opening many connections (the listen backlog is 511). */
const OPEN_CONCURRENCY = 128

let held = []

function open(url) {
  const socket = new WebSocket(url, { perMessageDeflate: false })
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.off('error', reject)
      resolve(socket)
    })
    socket.once('error', reject)
  })
}

async function closeAll(sockets) {
  await Promise.all(
    sockets.map((s) => {
      if (s.readyState === WebSocket.CLOSED) return undefined
      const closed = once(s, 'close')
      s.close(1000)
      return closed
    }),
  )
}

/**
 * Opens `clients` sockets, pipelines `messages` frames spread over them, resolves once every echo
 * is back. Past `timeoutMs` the sockets are dropped and the round fails with how many came back.
 */
async function echo({ url, clients, messages, payload, timeoutMs = 30_000 }) {
  const sockets = await Promise.all(Array.from({ length: clients }, () => open(url)))
  let received = 0
  let start = 0
  let timer
  const done = new Promise((resolve, reject) => {
    for (const s of sockets) {
      s.on('message', () => {
        if (++received === messages) resolve(performance.now() - start)
      })
      s.once('close', (code) => {
        if (received < messages) reject(new Error(`echo round: the server closed a connection (${code}) with ${received} of ${messages} echoes back`))
      })
    }
    timer = setTimeout(() => reject(new Error(`echo round: ${received} of ${messages} echoes back after ${(timeoutMs / 1000).toFixed(0)} s (${clients} clients, ${payload.length} B)`)), timeoutMs)
  })
  start = performance.now()
  for (let i = 0; i < messages; i++) sockets[i % clients].send(payload)
  try {
    const elapsedMs = await done
    await closeAll(sockets)
    return { elapsedMs }
  } catch (error) {
    for (const s of sockets) s.terminate()
    throw error
  } finally {
    clearTimeout(timer)
  }
}

/** One socket keeps `window` frames in flight until `messages` echoes are back (a soak, not a burst). */
async function echoWindowed({ url, messages, payload, window }) {
  const [socket] = [await open(url)]
  let sent = 0
  let received = 0
  const start = performance.now()
  const elapsedMs = await new Promise((resolve) => {
    socket.on('message', () => {
      if (++received === messages) resolve(performance.now() - start)
      else if (sent < messages) {
        sent++
        socket.send(payload)
      }
    })
    for (; sent < Math.min(window, messages); sent++) socket.send(payload)
  })
  await closeAll([socket])
  return { elapsedMs }
}

/** Opens one socket and resolves with the time from construction until `count` messages arrived. */
async function receive({ url, count }) {
  const start = performance.now()
  const socket = new WebSocket(url, { perMessageDeflate: false })
  let received = 0
  const elapsedMs = await new Promise((resolve, reject) => {
    socket.on('message', () => {
      if (++received === count) resolve(performance.now() - start)
    })
    socket.once('error', reject)
  })
  await closeAll([socket])
  return { elapsedMs }
}

/** Opens `count` idle connections and keeps them until `release`. */
async function hold({ url, count }) {
  const sockets = []
  let next = 0
  const lane = async () => {
    while (next < count) {
      next++
      sockets.push(await open(url))
    }
  }
  await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, count) }, lane))
  held.push(...sockets)
  return { opened: sockets.length }
}

async function release() {
  const sockets = held
  held = []
  // terminate(): the server under test is being measured idle, its close handshakes are not the point.
  for (const s of sockets) s.terminate()
  return { released: sockets.length }
}

serveCommands({ echo, echoWindowed, receive, hold, release })
