// Plain-text tables for bench output: aligned columns, a dashed rule under the header.

/**
 * Prints `rows` (arrays of cells, the first row being the header) as an aligned table.
 * Numbers are right-aligned, everything else left-aligned.
 */
export function printTable(rows, { title, out = console.log } = {}) {
  const text = rows.map((row) => row.map((cell) => (cell === undefined || cell === null ? '' : String(cell))))
  const widths = text[0].map((_, c) => Math.max(...text.map((row) => (row[c] ?? '').length)))
  const numeric = text[0].map((_, c) => rows.slice(1).every((row) => typeof row[c] === 'number' || /^[\d.,×x%µ+-]+( ?[a-zµ/]+)?$/i.test(String(row[c] ?? ''))))
  if (title) out(title)
  for (const [i, row] of text.entries()) {
    out(row.map((cell, c) => (numeric[c] && i > 0 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd())
    if (i === 0) out(widths.map((w) => '-'.repeat(w)).join('  '))
  }
}

/** Formats a rate with thousands separators, e.g. 123456.7 → "123,457". */
export function fmtInt(x) {
  return Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : String(x)
}

/** Formats a ratio as "0.93×". */
export function fmtRatio(x, digits = 2) {
  return Number.isFinite(x) ? `${x.toFixed(digits)}×` : 'n/a'
}

/** Formats milliseconds with a unit that keeps 3 significant figures (µs below 1 ms). */
export function fmtMs(ms) {
  if (!Number.isFinite(ms)) return String(ms)
  if (ms < 1) return `${(ms * 1000).toPrecision(3)} µs`
  return `${ms.toPrecision(3)} ms`
}

/** Formats bytes as KiB / MiB. */
export function fmtBytes(bytes) {
  if (!Number.isFinite(bytes)) return String(bytes)
  const abs = Math.abs(bytes)
  if (abs >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
  if (abs >= 1024) return `${(bytes / 1024).toFixed(2)} KiB`
  return `${Math.round(bytes)} B`
}

/** Formats a relative spread (IQR / median) as "±2.1%". */
export function fmtSpread(spread) {
  return Number.isFinite(spread) ? `±${((spread / 2) * 100).toFixed(1)}%` : ''
}
