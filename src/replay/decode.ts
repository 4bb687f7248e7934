import { ReplayParseError } from '../errors.js'

/** Bytes of a UTF-8 sequence shown in hex when it is invalid. */
const SHOWN_BAD_BYTES = 4
const LINE_FEED = 0x0a

const fatalDecoder = new TextDecoder('utf-8', { fatal: true })
const lenientDecoder = new TextDecoder('utf-8')

/**
 * Decodes a replay file's bytes as strict UTF-8 (a leading BOM is kept for the parser to skip);
 * invalid bytes throw a `ReplayParseError` at the line and column of the first bad sequence
 * instead of turning into U+FFFD and being sent to clients.
 */
export function decodeReplayText(bytes: Uint8Array, file: string): string {
  try {
    return fatalDecoder.decode(bytes)
  } catch {
    const bad = firstInvalidUtf8(bytes)
    let lineStart = 0
    let line = 1
    for (let i = 0; i < bad.offset; i++) {
      if (bytes[i] === LINE_FEED) {
        line++
        lineStart = i + 1
      }
    }
    // Columns count UTF-16 code units of the decoded line, as every other replay issue does.
    const column = lenientDecoder.decode(bytes.subarray(lineStart, bad.offset)).length + 1
    const shown = Array.from(bytes.subarray(bad.offset, bad.offset + Math.min(bad.length, SHOWN_BAD_BYTES)), (b) => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`).join(' ')
    throw new ReplayParseError([
      {
        file,
        line,
        column,
        message: `invalid UTF-8 (byte${bad.length === 1 ? '' : 's'} ${shown} at byte offset ${bad.offset}); save the file as UTF-8, or put binary frames in "binary" as base64`,
      },
    ])
  }
}

/** Offset and length of the first ill-formed UTF-8 sequence (WHATWG/Unicode "maximal subpart"). */
function firstInvalidUtf8(bytes: Uint8Array): { offset: number; length: number } {
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i] as number
    if (b < 0x80) {
      i++
      continue
    }
    let need: number
    let lo = 0x80
    let hi = 0xbf
    if (b >= 0xc2 && b <= 0xdf) need = 1
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2
      if (b === 0xe0) lo = 0xa0
      if (b === 0xed) hi = 0x9f
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3
      if (b === 0xf0) lo = 0x90
      if (b === 0xf4) hi = 0x8f
    } else return { offset: i, length: 1 }
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]
      const min = k === 1 ? lo : 0x80
      const max = k === 1 ? hi : 0xbf
      if (c === undefined || c < min || c > max) return { offset: i, length: k }
    }
    i += need + 1
  }
  return { offset: bytes.length, length: 0 }
}
