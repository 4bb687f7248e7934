// Bench child processes spoken to over IPC: the clients (client-worker.mjs) and, in benches that
// keep every server kind in a process of its own, the servers. On a 2-core machine the clients get
// their own core and the figures measure the server, not the server plus its clients in one loop.
// Every command has a timeout, so a lost echo or a stuck child ends the bench with a message that
// names the process and the command instead of hanging it.
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

const WORKER = fileURLToPath(new URL('./client-worker.mjs', import.meta.url))
/** Default time a command may take before the bench gives up on it. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 60_000
/** Time a child may take to start (import the library, listen) and say it is ready. */
const READY_TIMEOUT_MS = 30_000

function timeoutError(label, what, ms) {
  return new Error(`Failed to run the bench: ${label} did not answer ${what} within ${(ms / 1000).toFixed(0)} s. Lower the bench's sample counts or check the machine's load.`)
}

/**
 * Forks `file` with `args` and resolves once it sent `{ ready: true, ... }` (see `serveCommands`);
 * `call(cmd, args, { timeoutMs })` sends a command and resolves with its reply.
 * @example
 * const server = await startBenchProcess(file, { args: ['serve', 'rawText'], label: 'server rawText' })
 * const { url } = await server.call('start', {})
 * await server.stop()
 */
export async function startBenchProcess(file, { args = [], execArgv = [], label = file, timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS } = {}) {
  const child = fork(file, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv })
  const pending = new Map()
  let nextId = 1
  let exited
  child.on('message', (msg) => {
    const waiter = pending.get(msg?.id)
    if (!waiter) return
    pending.delete(msg.id)
    clearTimeout(waiter.timer)
    if (msg.ok) waiter.resolve(msg)
    else waiter.reject(new Error(`${label} failed: ${msg.error}`))
  })
  child.on('exit', (code, signal) => {
    exited = code ?? signal
    for (const waiter of pending.values()) {
      clearTimeout(waiter.timer)
      waiter.reject(new Error(`${label} exited with ${exited} during "${waiter.cmd}"`))
    }
    pending.clear()
  })
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(timeoutError(label, 'ready', READY_TIMEOUT_MS)), READY_TIMEOUT_MS)
    const onMessage = (msg) => {
      if (!msg?.ready) return
      done()
      resolve(msg)
    }
    const onExit = (code, signal) => {
      done()
      reject(new Error(`${label} exited with ${code ?? signal} before it was ready`))
    }
    const done = () => {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    child.on('message', onMessage)
    child.once('exit', onExit)
  }).catch((error) => {
    child.kill()
    throw error
  })
  return {
    pid: child.pid,
    ready,
    call(cmd, args, { timeoutMs: ms = timeoutMs } = {}) {
      if (exited !== undefined) return Promise.reject(new Error(`${label} exited with ${exited} before "${cmd}"`))
      return new Promise((resolve, reject) => {
        const id = nextId++
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(timeoutError(label, `"${cmd}"`, ms))
        }, ms)
        pending.set(id, { resolve, reject, timer, cmd })
        child.send({ id, cmd, args })
      })
    },
    async stop() {
      if (exited !== undefined || child.exitCode !== null) return
      const gone = once(child, 'exit')
      child.kill()
      await gone
    },
  }
}

/**
 * The child side: answers each `{ id, cmd, args }` with `{ id, ok: true, ...result }` or
 * `{ id, ok: false, error }`, then says it is ready (with `readyInfo`).
 * @example
 * serveCommands({ ping: async () => ({ pong: true }) })
 */
export function serveCommands(commands, readyInfo = {}) {
  // stop() sends SIGTERM: exit normally so `--cpu-prof` still writes its profile.
  process.once('SIGTERM', () => process.exit(0))
  process.on('message', async ({ id, cmd, args }) => {
    try {
      const run = commands[cmd]
      if (!run) throw new Error(`unknown command "${cmd}"`)
      process.send({ id, ok: true, ...(await run(args)) })
    } catch (error) {
      process.send({ id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) })
    }
  })
  process.send({ ready: true, ...readyInfo })
}

/**
 * Starts the client process; `call(cmd, args)` sends a command and resolves with its reply.
 * @example
 * const clients = await startClientProcess()
 * const { elapsedMs } = await clients.call('echo', { url, clients: 1, messages: 1000, payload: 'x' })
 * await clients.stop()
 */
export function startClientProcess({ execArgv = [], timeoutMs } = {}) {
  return startBenchProcess(WORKER, { execArgv, timeoutMs, label: 'the bench client process' })
}
