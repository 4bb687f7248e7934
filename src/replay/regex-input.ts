import { MAX_REGEX_DEGREE, regexDegree } from './regex-guard.js'

/**
 * Why a regex is not run on a message: a pattern the guard rates quadratic (`regexDegree` 2) on a text
 * longer than `limit` could hold the event loop for long; `undefined` when it may run. Linear patterns
 * run on any text.
 */
export function regexInputProblem(regex: RegExp, text: string, limit: number): string | undefined {
  if (text.length <= limit || regexDegree(regex.source) < MAX_REGEX_DEGREE) return undefined
  return (
    `a message of ${text.length} characters is longer than maxRegexInput (${limit}), so the quadratic regex /${regex.source.length <= 40 ? regex.source : `${regex.source.slice(0, 39)}…`}/ was not run on it; ` +
    'raise maxRegexInput, anchor the pattern with ^, or match with a JSON subset or a predicate'
  )
}
