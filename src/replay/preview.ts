// Previews of text for error messages: invisible characters made visible.

// Code points that print as nothing (or as blank) in a terminal: controls, format characters such
// as U+FEFF and U+200B, separators other than the plain space, private-use and unassigned code points.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]|\p{Cs}/gu

/** Names a code point as `U+XXXX` (at least four hex digits). */
export function codePointName(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`
}

/**
 * Makes invisible characters in a piece of text visible: a text that is one invisible character
 * becomes its name (`U+0000`), others get each one replaced by `<U+XXXX>`.
 */
export function showInvisible(text: string): string {
  const only = text.codePointAt(0)
  if (only !== undefined && String.fromCodePoint(only).length === text.length && new RegExp(INVISIBLE.source, 'u').test(text)) {
    return codePointName(only)
  }
  return text.replace(INVISIBLE, (c) => `<${codePointName(c.codePointAt(0) ?? 0)}>`)
}
