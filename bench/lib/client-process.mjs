// Runs bench clients in a child process: on a 2-core machine the clients get their own core
// and the figures measure the server, not the server plus its clients in one event loop.
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

const WORKER = fileURLToPath(new URL('./client-worker.mjs', import.meta.url))

/**
 * Starts the client process; `call(cmd, args)` sends a command and resolves with its reply.
 * @example
 * const clients = await startClientProcess()
 * const { elapsedMs } = await clients.call('echo', { url, clients: 1, messages: 1000, payload: 'x' })
 * await clients.stop()
 */
export async function startClientProcess({ execArgv = [] } = {}) {
  const child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv })
  const pending = new Map()
  let nextId = 1
  child.on('message', (msg) => {
    const waiter = pending.get(msg.id)
    if (!waiter) return
    pending.delete(msg.id)
    if (msg.ok) waiter.resolve(msg)
    else waiter.reject(new Error(`bench client process failed: ${msg.error}`))
  })
  child.on('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`bench client process exited with ${code}`))
    pending.clear()
  })
  const [first] = await once(child, 'message')
  if (!first?.ready) throw new Error('bench client process did not start')
  return {
    pid: child.pid,
    call(cmd, args) {
      return new Promise((resolve, reject) => {
        const id = nextId++
        pending.set(id, { resolve, reject })
        child.send({ id, cmd, args })
      })
    },
    async stop() {
      if (child.exitCode !== null) return
      const exited = once(child, 'exit')
      child.kill()
      await exited
    },
  }
}
