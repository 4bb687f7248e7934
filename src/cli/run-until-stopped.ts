import type { MockWs } from '../server/mock-ws.js'
import type { CliIo } from './io.js'

/** Resolves with the first SIGINT/SIGTERM; `cancel()` removes the handlers. */
export function waitForStopSignal(): { signal: Promise<string>; cancel: () => void } {
  let cancel = (): void => {}
  const signal = new Promise<string>((resolve) => {
    const onInt = (): void => stop('SIGINT')
    const onTerm = (): void => stop('SIGTERM')
    cancel = () => {
      process.off('SIGINT', onInt)
      process.off('SIGTERM', onTerm)
    }
    const stop = (name: string): void => {
      cancel()
      resolve(name)
    }
    process.on('SIGINT', onInt)
    process.on('SIGTERM', onTerm)
  })
  return { signal, cancel }
}

/** Starts a server and keeps it until SIGINT/SIGTERM, then closes it; shared by `serve` and `record`. */
export async function runUntilStopped(start: () => Promise<MockWs>, io: CliIo): Promise<void> {
  // Listen for signals before the URL is printed: a caller may signal as soon as it reads it.
  const stopped = waitForStopSignal()
  let mock: MockWs
  try {
    mock = await start()
  } catch (error) {
    stopped.cancel()
    throw error
  }
  io.out(`received ${await stopped.signal}, closing`)
  await mock.close()
  io.out('closed')
}
