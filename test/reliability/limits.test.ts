import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import * as constants from '../../src/constants.js'
import { closeAllMocks, mockWs } from '../../src/index.js'
import { clientFrame, expectServed, rawUpgrade, serverCloseCode } from './support.js'

afterEach(() => closeAllMocks())

/** ws's own default for a server (`maxFragments`), which mockWs() keeps. */
const WS_MAX_FRAGMENTS = 16 * 1024

describe('limits (item 7)', () => {
  it(`a message in 100,000 fragments is closed with 1008 (ws's maxFragments, ${WS_MAX_FRAGMENTS})`, async () => {
    const ws = await mockWs()
    const raw = await rawUpgrade(ws.port)
    const frames = [clientFrame(0x1, Uint8Array.of(0x61), false)]
    for (let i = 1; i < 100_000; i++) frames.push(clientFrame(0x0, Uint8Array.of(0x61), false))
    raw.socket.write(Buffer.concat(frames))
    await raw.until((d) => serverCloseCode(d) !== undefined, 10_000)
    expect(serverCloseCode(raw.received())).toBe(1008)
    raw.destroy()
    await expectServed(ws)
  })

  it(`${WS_MAX_FRAGMENTS} fragments are still accepted`, async () => {
    const ws = await mockWs()
    const raw = await rawUpgrade(ws.port)
    const frames = [clientFrame(0x1, Uint8Array.of(0x61), false)]
    for (let i = 2; i < WS_MAX_FRAGMENTS; i++) frames.push(clientFrame(0x0, Uint8Array.of(0x61), false))
    frames.push(clientFrame(0x0, Uint8Array.of(0x61), true))
    raw.socket.write(Buffer.concat(frames))
    expect(await ws.nextMessage({ timeout: 10_000 })).toBe('a'.repeat(WS_MAX_FRAGMENTS))
    raw.destroy()
  })

  it('docs/reliability.md lists every limit constant with its default', () => {
    const doc = readFileSync(new URL('../../docs/reliability.md', import.meta.url), 'utf8')
    const table = doc.slice(doc.indexOf('## Limits'), doc.indexOf('## Catastrophic regexes'))
    const limits = ['DEFAULT_MAX_PAYLOAD', 'DEFAULT_MAX_TRANSCRIPT', 'MAX_RETAINED_CONNECTIONS', 'CLOSE_HANDSHAKE_TIMEOUT_MS', 'DEFAULT_WAIT_TIMEOUT_MS', 'MAX_FAILURES', 'DEFAULT_MAX_REGEX_INPUT', 'SEND_HIGH_WATER_MARK', 'DEFAULT_MAX_BUFFERED_BYTES', 'MAX_INBOX_MESSAGES'] as const
    for (const name of limits) {
      expect(table, name).toContain(`\`${name}\``)
      expect(constants[name], name).toBeTypeOf('number')
    }
    expect(table).toContain('`MAX_REGEX_NESTING`')
    expect(table).toContain('`MAX_REGEX_DEGREE`')
    expect(table).toContain('16,384')
  })
})
