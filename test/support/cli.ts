import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
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
