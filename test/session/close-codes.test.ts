import { describe, expect, it } from 'vitest'
import {
  CLOSE_CODE_RULE,
  closeReasonProblem,
  isClientCloseCode,
  isScriptCloseCode,
  isSendableCloseCode,
  truncateCloseReason,
} from '../../src/session/close-codes.js'
import { utf8Length } from '../../src/session/bytes.js'
import { MAX_CLOSE_REASON_BYTES } from '../../src/constants.js'

// code, may a close frame carry it, may a script name it, may a browser client send it
const TABLE: [number, boolean, boolean, boolean][] = [
  [999, false, false, false],
  [1000, true, true, true],
  [1001, true, true, false],
  [1003, true, true, false],
  [1004, false, false, false],
  [1005, false, false, false],
  [1006, false, true, false],
  [1007, true, true, false],
  [1011, true, true, false],
  [1014, true, true, false],
  [1015, false, false, false],
  [1016, false, false, false],
  [2999, false, false, false],
  [3000, true, true, true],
  [4000, true, true, true],
  [4999, true, true, true],
  [5000, false, false, false],
  [1000.5, false, false, false],
  [Number.NaN, false, false, false],
  [-1000, false, false, false],
]

describe('close codes', () => {
  it.each(TABLE)('%s: sendable %s, script %s, client %s', (code, sendable, script, client) => {
    expect(isSendableCloseCode(code)).toBe(sendable)
    expect(isScriptCloseCode(code)).toBe(script)
    expect(isClientCloseCode(code)).toBe(client)
  })

  it('agrees with the rule the hints print', () => {
    const sendable = Array.from({ length: 6000 }, (_, i) => i).filter(isSendableCloseCode)
    const ranges: string[] = []
    for (let i = 0; i < sendable.length; i++) {
      const start = sendable[i] as number
      while (sendable[i + 1] === (sendable[i] as number) + 1) i++
      ranges.push(start === sendable[i] ? String(start) : `${start}-${sendable[i] as number}`)
    }
    expect(ranges).toEqual(['1000-1003', '1007-1014', '3000-4999'])
    expect(CLOSE_CODE_RULE).toBe('1000 (normal), 1001-1003, 1007-1014 or an application code 3000-4999')
  })

  it('treats a missing client code as none', () => {
    expect(isClientCloseCode(undefined)).toBe(false)
  })
})

describe('close reason limit', () => {
  it('counts UTF-8 bytes, not characters', () => {
    expect(MAX_CLOSE_REASON_BYTES).toBe(123)
    expect(closeReasonProblem('x'.repeat(123))).toBeUndefined()
    expect(closeReasonProblem('x'.repeat(124))).toBe("the reason is 124 bytes of UTF-8, over the protocol's 123")
    // 61 two-byte characters + 1 byte = 123; one more two-byte character is over.
    expect(closeReasonProblem(`${'é'.repeat(61)}x`)).toBeUndefined()
    expect(closeReasonProblem('é'.repeat(62))).toMatch(/124 bytes/)
    // 30 emoji are 60 UTF-16 units but 120 bytes; 31 are 124.
    expect(closeReasonProblem('😀'.repeat(30))).toBeUndefined()
    expect(closeReasonProblem('😀'.repeat(31))).toMatch(/124 bytes/)
  })

  it('counts bytes exactly as Buffer does, lone surrogates included', () => {
    for (const text of ['', 'plain', 'é€😀', '\u{10ffff}', '\ud800', 'a\udc00b', '\ud83d\ude00\ud83d', '中文'.repeat(50)]) {
      expect(utf8Length(text), JSON.stringify(text)).toBe(Buffer.byteLength(text, 'utf8'))
    }
  })

  it('truncates to at most 123 bytes without splitting a character', () => {
    expect(truncateCloseReason('short')).toBe('short')
    const ascii = truncateCloseReason('x'.repeat(500))
    expect(Buffer.byteLength(ascii)).toBe(123)
    expect(ascii.endsWith('...')).toBe(true)
    for (const unit of ['é', '€', '😀']) {
      const cut = truncateCloseReason(unit.repeat(200))
      expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(123)
      expect(Buffer.byteLength(cut)).toBeGreaterThan(123 - 3 - Buffer.byteLength(unit))
      expect(cut.endsWith('...')).toBe(true)
      // Whole characters only: decoding the UTF-8 back gives the same text.
      expect(new TextDecoder().decode(new TextEncoder().encode(cut))).toBe(cut)
      expect(cut.slice(0, -3)).toBe(unit.repeat(cut.slice(0, -3).length / unit.length))
    }
  })
})
