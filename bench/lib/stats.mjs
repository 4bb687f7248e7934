// Order statistics for bench samples: medians and spreads, never means alone, because a noisy
// 2-core machine produces long right tails that a mean would smear into every figure.

/** Sorted copy of `values` (numbers), ascending. */
export function sorted(values) {
  return Float64Array.from(values).sort()
}

/** The q-quantile (0..1) of `values`, linearly interpolated between the two nearest ranks. */
export function quantile(values, q) {
  const s = values instanceof Float64Array && isSorted(values) ? values : sorted(values)
  if (s.length === 0) return Number.NaN
  const at = (s.length - 1) * q
  const lo = Math.floor(at)
  const hi = Math.ceil(at)
  return s[lo] + (s[hi] - s[lo]) * (at - lo)
}

function isSorted(a) {
  for (let i = 1; i < a.length; i++) if (a[i - 1] > a[i]) return false
  return true
}

/** Median of `values`. */
export function median(values) {
  return quantile(values, 0.5)
}

/**
 * Median, quartiles, extremes and the relative spread (IQR / median) of a list of samples.
 * @example
 * summarize([3, 1, 2]) // { n: 3, median: 2, p25: 1.5, p75: 2.5, min: 1, max: 3, spread: 0.5 }
 */
export function summarize(values) {
  const s = sorted(values)
  const med = quantile(s, 0.5)
  const p25 = quantile(s, 0.25)
  const p75 = quantile(s, 0.75)
  return {
    n: s.length,
    median: med,
    p25,
    p75,
    min: s[0] ?? Number.NaN,
    max: s[s.length - 1] ?? Number.NaN,
    // Relative interquartile range: 0.05 means the middle half of the samples lies within ±2.5 %.
    spread: med === 0 ? 0 : (p75 - p25) / Math.abs(med),
  }
}

/**
 * Ratio of two medians with a conservative range: the ratio of the worse quartiles and of the
 * better quartiles, so a reader can see whether a target is met by a margin or by noise.
 * `higherIsBetter` says which way the metric points (throughput: true; time, bytes: false).
 */
export function ratio(subject, baseline, higherIsBetter) {
  const r = subject.median / baseline.median
  const a = subject.p25 / baseline.p75
  const b = subject.p75 / baseline.p25
  return { ratio: r, low: Math.min(a, b), high: Math.max(a, b), higherIsBetter }
}

/** Rounds to `digits` significant decimals for JSON output (keeps files readable). */
export function round(x, digits = 3) {
  if (!Number.isFinite(x)) return x
  return Number(x.toFixed(digits))
}
