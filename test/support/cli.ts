import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { afterEach } from 'vitest'
import { MessageQueue } from '../../src/server/message-queue.js'

/** A running `mockforge-ws` process with its output as awaitable lines. */
export interface CliProcess {
  child: ChildProcessWithoutNullStreams
  /** Next stdout line. */
  line(timeout?: number): Promise<string>
  stdout(): string
  stderr(): string
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>
}

/** Runs the built CLI (`dist/cli/bin.js`) with `args`. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, ['dist/cli/bin.js', ...args], {
    env: { ...process.env, ...env },
    stdio: 'pipe',
  })
  const lines = new MessageQueue<string>()
  let out = ''
  let err = ''
  let partial = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk
    partial += chunk
    const parts = partial.split('\n')
    partial = parts.pop() ?? ''
    for (const l of parts) lines.push(l)
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk))
  const exited = new Promise<number | string>((resolve) => child.on('close', (code, signal) => resolve(code ?? signal ?? -1)))
  return {
    child,
    line: (timeout = 10_000) => lines.take(timeout, `a line from mockforge-ws ${args.join(' ')} (stderr: ${err})`),
    stdout: () => out,
    stderr: () => err,
    exited,
  }
}

/** Kills a CLI process that is still running (SIGKILL) and waits until it has exited. */
export async function stopCli(p: CliProcess): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL')
  await p.exited
}

/**
 * Registers an `afterEach` that stops every CLI process the test started; returns the function that starts one.
 * Vitest runs `afterEach` hooks last registered first, so call it after `useTestScope()` to stop the processes
 * before the scope closes the servers they talk to.
 * @example
 * const start = useCli()
 * it('serves', async () => { const url = await listeningUrl(start(['serve', '--port', '0'])) })
 */
export function useCli(): (args: string[], env?: NodeJS.ProcessEnv) => CliProcess {
  const running: CliProcess[] = []
  afterEach(async () => {
    for (const p of running.splice(0)) await stopCli(p)
  })
  return (args, env = {}) => {
    const p = runCli(args, env)
    running.push(p)
    return p
  }
}

/** The `ws://` URL of the server a CLI process announced on its first line ("… listening on ws://…"). */
export async function listeningUrl(p: CliProcess): Promise<string> {
  const first = await p.line()
  const url = /listening on (ws:\/\/\S+)/.exec(first)?.[1]
  if (!url) throw new Error(`unexpected first line: ${first}`)
  return url
}
