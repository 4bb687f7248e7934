import { stripVTControlCharacters } from 'node:util'

/**
 * Runs an assertion that must fail and returns its message in a stable form for inline snapshots:
 * no colours, `+Nms` for transcript times and `PORT` for the mock's port.
 */
export async function failureOf(assertion: () => unknown): Promise<string> {
  try {
    await assertion()
  } catch (error) {
    return normalize((error as Error).message)
  }
  throw new Error('Expected the assertion to fail, but it passed.')
}

/** Removes what changes from run to run (colours, times, ports) from a matcher message. */
export function normalize(message: string): string {
  return stripVTControlCharacters(message)
    .replace(/ +\+\d+ms/g, ' +Nms')
    .replace(/at \+\d+ms/g, 'at +Nms')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
}
