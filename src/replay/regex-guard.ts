/**
 * Load-time check for regexes that can backtrack catastrophically (`(a+)+$`, `(\w+\s?)*$`, `(.|\s)*$`).
 *
 * A replay's `waitFor`/`match` regexes run on the event loop for every client message; one
 * exponential pattern would freeze every connection of the mock. Rather than run each match off
 * the loop, the parser refuses the shapes that cause exponential backtracking, with a message
 * pointing at the pattern. The analysis is a heuristic over the pattern's syntax: inside any part
 * that repeats (a quantifier allowing more than one iteration), no choice may have two ways to go
 * on with the same character: an inner quantifier whose "once more" and "stop" both accept the same
 * next character, or alternatives that start with the same character. Polynomial backtracking is
 * bounded too: chains of unbounded parts that can share one run of a character give the degree
 * (`regexDegree`); more than `MAX_REGEX_DEGREE` is refused, and quadratic patterns are run only on
 * messages up to `maxRegexInput` (the player's side, `regex-input.ts`). Patterns are parsed with
 * `@eslint-community/regexpp`; this module is the only place that knows the rules.
 */

import type { AST, RegExpParser } from '@eslint-community/regexpp'
import { codePointName } from './preview.js'

/** A catastrophic-backtracking shape found in a regex source. */
export interface RegexHazard {
  /** 0-based offset in the source of the repeated part that can backtrack exponentially. */
  index: number
  /** Why, and how to rewrite it (no trailing period). */
  message: string
}

/** Longest piece of a pattern quoted in a hazard message. */
const MAX_QUOTED_PATTERN = 30
/** Deepest group nesting analysed; deeper patterns are refused rather than left unchecked. */
export const MAX_REGEX_NESTING = 100
/** Largest code unit of a non-unicode regex. */
const MAX_CODE_UNIT = 0xffff

/** Sorted, disjoint, inclusive ranges of UTF-16 code units. */
type CharSet = readonly (readonly [number, number])[]

const EMPTY: CharSet = []
const ANY: CharSet = [[0, MAX_CODE_UNIT]]
const DIGIT: CharSet = [[0x30, 0x39]]
const WORD: CharSet = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
]
// ECMAScript WhiteSpace and LineTerminator code points, as \s matches them.
const SPACE: CharSet = normalize([
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
])
const LINE_TERMINATORS: CharSet = normalize([
  [0x0a, 0x0a],
  [0x0d, 0x0d],
  [0x2028, 0x2029],
])
const DOT: CharSet = complement(LINE_TERMINATORS)

function single(code: number): CharSet {
  return [[code, code]]
}

function normalize(ranges: (readonly [number, number])[]): CharSet {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0])
  const out: [number, number][] = []
  for (const [lo, hi] of sorted) {
    const last = out.at(-1)
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi)
    else out.push([lo, hi])
  }
  return out
}

function union(a: CharSet, b: CharSet): CharSet {
  if (a.length === 0) return b
  if (b.length === 0) return a
  return normalize([...a, ...b])
}

function complement(set: CharSet): CharSet {
  const out: [number, number][] = []
  let next = 0
  for (const [lo, hi] of set) {
    if (lo > next) out.push([next, lo - 1])
    next = hi + 1
  }
  if (next <= MAX_CODE_UNIT) out.push([next, MAX_CODE_UNIT])
  return out
}

/** A code unit both sets contain, or undefined when they are disjoint. */
function commonChar(a: CharSet, b: CharSet): number | undefined {
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    const [alo, ahi] = a[i] as readonly [number, number]
    const [blo, bhi] = b[j] as readonly [number, number]
    const lo = Math.max(alo, blo)
    if (lo <= Math.min(ahi, bhi)) return lo
    if (ahi < bhi) i++
    else j++
  }
  return undefined
}

type Node =
  | { type: 'seq'; items: Node[] }
  | { type: 'alt'; alts: Node[]; start: number; end: number }
  | { type: 'group'; body: Node; look: boolean }
  | { type: 'char'; set: CharSet; start: number; end: number }
  | { type: 'assert'; start?: boolean }
  | { type: 'backref' }
  | { type: 'repeat'; body: Node; min: number; max: number; start: number; end: number }

/** Code unit offset of the group opening that nests deeper than `MAX_REGEX_NESTING`, or undefined. */
function tooDeepAt(source: string): number | undefined {
  // A flat scan before regexpp (which recurses per group) sees the pattern.
  let depth = 0
  let inClass = false
  for (let i = 0; i < source.length; i++) {
    const c = source[i]
    if (c === '\\') i++
    else if (inClass) inClass = c !== ']'
    else if (c === '[') inClass = true
    else if (c === '(') {
      if (++depth > MAX_REGEX_NESTING) return i
    } else if (c === ')') depth--
  }
  return undefined
}

let regexParser: RegExpParser | undefined

/**
 * regexpp, required on the first pattern that needs a parse (about a third of the core's import
 * time otherwise). Through `process.getBuiltinModule` rather than a static `node:module` import,
 * so this module still loads where there is no `node:module`.
 */
function parser(): RegExpParser {
  if (regexParser) return regexParser
  const nodeModule = globalThis.process?.getBuiltinModule?.('node:module')
  if (!nodeModule) throw new Error('Failed to check a regex for catastrophic backtracking: @eslint-community/regexpp can only be loaded in Node. Run the replay parser in Node.')
  const regexpp = nodeModule.createRequire(import.meta.url)('@eslint-community/regexpp') as typeof import('@eslint-community/regexpp')
  regexParser = new regexpp.RegExpParser({ ecmaVersion: 2025 })
  return regexParser
}

/**
 * True when a source has nothing that repeats more than once: no `*`, `+`, `{` (escaped or in a
 * class too: the scan is conservative) and no back reference. Such a pattern is linear and has
 * no hazard, so regexpp is not needed to say so.
 */
function repeatsNothing(source: string): boolean {
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i)
    // * + {
    if (c === 0x2a || c === 0x2b || c === 0x7b) return false
    if (c === 0x5c) {
      const next = source.charCodeAt(i + 1)
      // \1-\9 and \k<name> are back references
      if ((next >= 0x31 && next <= 0x39) || next === 0x6b) return false
      i++
    }
  }
  return true
}

/** Parses a flag-free (Annex B) source with regexpp into the small tree the checks walk; undefined when regexpp refuses it. */
function parseSource(source: string): Node | undefined {
  let pattern: AST.Pattern
  try {
    pattern = parser().parsePattern(source, 0, source.length, { unicode: false, unicodeSets: false })
  } catch {
    return undefined
  }
  return fromAlternatives(pattern.alternatives)
}

function fromAlternatives(alternatives: readonly AST.Alternative[]): Node {
  const alts = alternatives.map((alt): Node => ({ type: 'seq', items: alt.elements.map(fromElement) }))
  // The span of the alternatives themselves (inside the group's parentheses), as hazard messages quote it.
  const start = alternatives[0]?.start ?? 0
  const end = alternatives.at(-1)?.end ?? start
  return alts.length === 1 ? (alts[0] as Node) : { type: 'alt', alts, start, end }
}

function fromElement(element: AST.Element): Node {
  switch (element.type) {
    case 'Character':
      return { type: 'char', set: single(element.value), start: element.start, end: element.end }
    case 'CharacterSet':
      return { type: 'char', set: characterSet(element), start: element.start, end: element.end }
    case 'CharacterClass':
      return { type: 'char', set: characterClass(element), start: element.start, end: element.end }
    case 'Quantifier':
      return { type: 'repeat', body: fromElement(element.element), min: element.min, max: element.max, start: element.start, end: element.end }
    case 'Group':
    case 'CapturingGroup':
      return { type: 'group', body: fromAlternatives(element.alternatives), look: false }
    case 'Assertion':
      if (element.kind === 'lookahead' || element.kind === 'lookbehind') {
        return { type: 'group', body: fromAlternatives(element.alternatives), look: true }
      }
      return element.kind === 'start' ? { type: 'assert', start: true } : { type: 'assert' }
    case 'Backreference':
      // A back reference matches whatever its group matched: any text, possibly empty.
      return { type: 'backref' }
    default:
      // Only with the v flag, which replay regexes never have: "could be anything" keeps the checks strict.
      return { type: 'char', set: ANY, start: element.start, end: element.end }
  }
}

function characterSet(set: AST.CharacterSet): CharSet {
  if (set.kind === 'any') return DOT
  const base = set.kind === 'digit' ? DIGIT : set.kind === 'word' ? WORD : set.kind === 'space' ? SPACE : ANY
  if (set.kind === 'property') return ANY
  return set.negate ? complement(base) : base
}

function characterClass(cls: AST.CharacterClass): CharSet {
  const ranges: (readonly [number, number])[] = []
  for (const element of cls.elements) {
    if (element.type === 'Character') ranges.push([element.value, element.value])
    else if (element.type === 'CharacterClassRange') ranges.push([element.min.value, element.max.value])
    else if (element.type === 'CharacterSet') ranges.push(...characterSet(element))
    else ranges.push(...ANY)
  }
  const set = normalize(ranges)
  return cls.negate ? complement(set) : set
}

function memoized<T>(compute: (node: Node) => T): (node: Node) => T {
  const known = new WeakMap<Node, T>()
  return (node) => {
    if (!known.has(node)) known.set(node, compute(node))
    return known.get(node) as T
  }
}

const nullable = memoized(computeNullable)
const first = memoized(computeFirst)

function computeNullable(node: Node): boolean {
  switch (node.type) {
    case 'seq':
      return node.items.every(nullable)
    case 'alt':
      return node.alts.some(nullable)
    case 'group':
      return node.look || nullable(node.body)
    case 'char':
      return false
    case 'repeat':
      return node.min === 0 || nullable(node.body)
    default:
      return true
  }
}

/** Characters the node can consume first. */
function computeFirst(node: Node): CharSet {
  switch (node.type) {
    case 'seq': {
      let set = EMPTY
      for (const item of node.items) {
        set = union(set, first(item))
        if (!nullable(item)) break
      }
      return set
    }
    case 'alt':
      return node.alts.reduce((set, alt) => union(set, first(alt)), EMPTY)
    case 'group':
      return node.look ? EMPTY : first(node.body)
    case 'char':
      return node.set
    case 'backref':
      return ANY
    case 'repeat':
      return node.max === 0 ? EMPTY : first(node.body)
    default:
      return EMPTY
  }
}

/** The innermost enclosing repetition: where a finished iteration goes on (its own start again). */
interface Loop {
  node: Extract<Node, { type: 'repeat' }>
  first: CharSet
}

class Checker {
  #source: string
  hazard: RegexHazard | undefined
  constructor(source: string) {
    this.#source = source
  }

  /**
   * Walks `node`; `follow` is what can come next within the current iteration of `loop` (wrapping
   * around to the loop's start), `undefined` outside any loop, where choices cost polynomial time at most.
   */
  walk(node: Node, follow: CharSet, loop: Loop | undefined): void {
    if (this.hazard) return
    switch (node.type) {
      case 'seq': {
        // What may follow each item, computed from the end so long sequences stay linear.
        const follows: CharSet[] = []
        let after = follow
        for (let k = node.items.length - 1; k >= 0; k--) {
          follows[k] = after
          const item = node.items[k] as Node
          after = nullable(item) ? union(first(item), after) : first(item)
        }
        for (let k = 0; k < node.items.length; k++) this.walk(node.items[k] as Node, follows[k] as CharSet, loop)
        return
      }
      case 'alt': {
        if (loop) this.#checkAlternatives(node, follow, loop)
        for (const alt of node.alts) this.walk(alt, follow, loop)
        return
      }
      case 'group':
        // Lookarounds are atomic: the engine never backtracks into one that succeeded, so their
        // contents only need to be safe on their own.
        if (node.look) this.walk(node.body, EMPTY, undefined)
        else this.walk(node.body, follow, loop)
        return
      case 'repeat': {
        if (loop && node.max > node.min) this.#checkQuantifier(node, follow, loop)
        if (node.max > 1) {
          const inner: Loop = { node, first: first(node.body) }
          this.walk(node.body, inner.first, inner)
        } else this.walk(node.body, follow, loop)
        return
      }
      default:
        return
    }
  }

  // "One more" and "stop" both able to take the same next character: inside a repetition, the same
  // text can be split between iterations in exponentially many ways.
  #checkQuantifier(node: Extract<Node, { type: 'repeat' }>, follow: CharSet, loop: Loop): void {
    const shared = commonChar(first(node.body), follow)
    if (shared === undefined) return
    const inner = this.#quote(node.start, node.end)
    const outer = this.#quote(loop.node.start, loop.node.end)
    this.hazard = {
      index: loop.node.start,
      message:
        `${outer} can backtrack exponentially: inside it, ${inner} and what follows can both match ${describeChar(shared)}, ` +
        `so a long non-matching message takes exponential time. Remove the nested repetition (e.g. /(a+)+/ → /a+/) ` +
        `or separate the repeated parts with a character they cannot match`,
    }
  }

  // Two alternatives that start with the same character inside a repetition split text ambiguously.
  #checkAlternatives(node: Extract<Node, { type: 'alt' }>, follow: CharSet, loop: Loop): void {
    const starts = node.alts.map((alt) => (nullable(alt) ? union(first(alt), follow) : first(alt)))
    for (let a = 0; a < starts.length; a++) {
      for (let b = a + 1; b < starts.length; b++) {
        const shared = commonChar(starts[a] as CharSet, starts[b] as CharSet)
        if (shared === undefined) continue
        const outer = this.#quote(loop.node.start, loop.node.end)
        this.hazard = {
          index: loop.node.start,
          message:
            `${outer} can backtrack exponentially: it repeats alternatives ${this.#quote(node.start, node.end)} ` +
            `of which more than one can match ${describeChar(shared)}, so a long non-matching message takes exponential time. ` +
            `Make the alternatives start with different characters (e.g. /(.|\\s)*/ → /[\\s\\S]*/)`,
        }
        return
      }
    }
  }

  #quote(start: number, end: number): string {
    return `/${shortQuote(this.#source.slice(start, end))}/`
  }
}

function describeChar(code: number): string {
  return code >= 0x21 && code <= 0x7e ? JSON.stringify(String.fromCharCode(code)) : codePointName(code)
}

/** Quantifiers whose count can vary by at least this much count as unbounded for the degree. */
const GROWING_SPAN = 16
/** Most characters tried as the "same character" of a chain; more distinct classes than this are sampled. */
const MAX_CHAIN_CHARS = 512
/**
 * Highest polynomial degree of backtracking accepted: a message of n characters may cost about n² steps
 * (`.*x`, `\d+\d+$` anchored), never n³. Quadratic patterns are only run on messages up to `maxRegexInput`.
 */
export const MAX_REGEX_DEGREE = 2

interface Chain {
  /** Unbounded quantifiers (the search loop of an unanchored pattern counts as one) that can share one run of the character. */
  k: number
}

const ZERO: Chain = { k: 0 }

function better(a: Chain, b: Chain): Chain {
  return b.k > a.k ? b : a
}

function contains(set: CharSet, code: number): boolean {
  for (const [lo, hi] of set) {
    if (code < lo) return false
    if (code <= hi) return true
  }
  return false
}

/**
 * Polynomial backtracking: quantifiers in a row that can each take a share of the same run of one
 * character (`\d+\d+\d+`, `.*.*`, `(?:a|x)*(?:a|x)*`) let the engine try every split of that run:
 * k of them cost about n^k steps on a non-matching message of n characters. An unanchored pattern
 * is tried at every start offset, which counts as one more. This walk finds, for one character,
 * the longest such chain; lookarounds add to the chain they are evaluated in.
 */
class DegreeWalker {
  best = 0
  /** The quantifier where the chain first goes past what is accepted (undefined: a back reference). */
  at: Extract<Node, { type: 'repeat' }> | undefined
  constructor(readonly code: number) {}

  run(node: Node, chain: Chain): Chain {
    switch (node.type) {
      case 'seq': {
        let out = chain
        for (const item of node.items) out = this.run(item, out)
        return out
      }
      case 'alt': {
        let out = ZERO
        for (const alt of node.alts) out = better(out, this.run(alt, chain))
        return out
      }
      case 'group':
        if (!node.look) return this.run(node.body, chain)
        this.run(node.body, chain)
        return chain
      case 'char':
        return contains(node.set, this.code) ? chain : ZERO
      case 'assert':
        // `^` (no multiline flag) only holds at offset 0: no split of an earlier run reaches past it.
        return node.start ? ZERO : chain
      case 'backref':
        return this.#grow(chain, undefined)
      case 'repeat': {
        if (node.max === 0) return chain
        const once = this.run(node.body, chain)
        let out = node.min === 0 ? better(chain, once) : once
        const growing = node.max === Infinity || node.max - node.min >= GROWING_SPAN
        if (growing && this.#consumesOnly(node.body)) out = better(out, this.#grow(better(chain, once), node))
        else if (node.max > 1) out = better(out, this.run(node.body, ZERO))
        return out
      }
    }
  }

  #grow(chain: Chain, at: Extract<Node, { type: 'repeat' }> | undefined): Chain {
    const next = { k: chain.k + 1 }
    if (next.k > this.best) {
      this.best = next.k
      if (next.k === MAX_REGEX_DEGREE + 1) this.at = at
    }
    return next
  }

  /** True when the node can match a non-empty run of only this character. */
  #consumesOnly(node: Node): boolean {
    switch (node.type) {
      case 'seq':
        return node.items.every((item) => this.#transparent(item)) && node.items.some((item) => this.#consumesOnly(item))
      case 'alt':
        return node.alts.some((alt) => this.#consumesOnly(alt))
      case 'group':
        return !node.look && this.#consumesOnly(node.body)
      case 'char':
        return contains(node.set, this.code)
      case 'repeat':
        return node.max > 0 && this.#consumesOnly(node.body)
      case 'backref':
        return true
      default:
        return false
    }
  }

  /** True when the node can match a (possibly empty) run of only this character. */
  #transparent(node: Node): boolean {
    switch (node.type) {
      case 'seq':
        return node.items.every((item) => this.#transparent(item))
      case 'alt':
        return node.alts.some((alt) => this.#transparent(alt))
      case 'group':
        return node.look || this.#transparent(node.body)
      case 'char':
        return contains(node.set, this.code)
      case 'repeat':
        return node.min === 0 || this.#transparent(node.body)
      default:
        return true
    }
  }
}

/** One character from each class of characters the pattern's growing parts tell apart. */
function chainChars(tree: Node): number[] {
  const codes = new Set<number>([0x61])
  const visit = (node: Node, inGrowing: boolean): void => {
    switch (node.type) {
      case 'seq':
        for (const item of node.items) visit(item, inGrowing)
        return
      case 'alt':
        for (const alt of node.alts) visit(alt, inGrowing)
        return
      case 'group':
        return visit(node.body, inGrowing)
      case 'repeat':
        return visit(node.body, inGrowing || node.max === Infinity || node.max - node.min >= GROWING_SPAN)
      case 'char':
        if (inGrowing) {
          for (const [lo, hi] of node.set) {
            codes.add(lo)
            if (hi < MAX_CODE_UNIT) codes.add(hi + 1)
          }
        }
        return
      default:
        return
    }
  }
  visit(tree, false)
  const all = [...codes]
  if (all.length <= MAX_CHAIN_CHARS) return all
  const step = all.length / MAX_CHAIN_CHARS
  return Array.from({ length: MAX_CHAIN_CHARS }, (_, i) => all[Math.floor(i * step)] as number)
}

/** The polynomial degree of a parsed pattern, with the quantifier and character that reach it. */
function degreeOf(tree: Node): { degree: number; at: Extract<Node, { type: 'repeat' }> | undefined; code: number } {
  let worst: ReturnType<typeof degreeOf> = { degree: 1, at: undefined, code: 0x61 }
  for (const code of chainChars(tree)) {
    const walker = new DegreeWalker(code)
    // The search loop of `exec` tries every start offset: an implicit `[\s\S]*?` in front.
    walker.run(tree, { k: 1 })
    if (walker.best > worst.degree) worst = { degree: walker.best, at: walker.at, code }
  }
  return worst
}

function ordinal(n: number): string {
  return n === 1 ? '1st' : n === 2 ? '2nd' : n === 3 ? '3rd' : `${n}th`
}

const degreeCache = new Map<string, number>()
/** Distinct sources whose degree is remembered (the player asks once per message). */
const MAX_CACHED_DEGREES = 1024

/**
 * The polynomial degree of backtracking of a regex source (no flags): 1 for linear patterns, 2 for
 * quadratic ones such as `.*x`; exponential shapes are `findRegexHazard`'s business. Remembered per source.
 */
export function regexDegree(source: string): number {
  let degree = degreeCache.get(source)
  if (degree === undefined) {
    if (tooDeepAt(source) === undefined && repeatsNothing(source)) degree = 1
    else {
      const tree = tooDeepAt(source) === undefined ? parseSource(source) : undefined
      // What cannot be analysed is treated as the worst accepted case.
      degree = tree ? degreeOf(tree).degree : MAX_REGEX_DEGREE
    }
    if (degreeCache.size >= MAX_CACHED_DEGREES) degreeCache.clear()
    degreeCache.set(source, degree)
  }
  return degree
}

/**
 * Finds a shape in a regex source (JS syntax, no flags) that can backtrack exponentially, or
 * polynomially with a degree above `MAX_REGEX_DEGREE`, or `undefined`.
 * Call it only on sources `new RegExp` accepts; syntax regexpp does not accept is left unchecked.
 * @example
 * findRegexHazard('(a+)+$')?.index // 0
 * findRegexHazard('^.*.*.*x')?.index // 5
 * findRegexHazard('^\{"type":"(\w+)"') // undefined
 */
export function findRegexHazard(source: string): RegexHazard | undefined {
  const deep = tooDeepAt(source)
  if (deep !== undefined) {
    return { index: deep, message: `groups nest more than ${MAX_REGEX_NESTING} levels deep, too deep to check for catastrophic backtracking. Flatten the pattern` }
  }
  if (repeatsNothing(source)) return undefined
  const tree = parseSource(source)
  if (!tree) return undefined
  const checker = new Checker(source)
  checker.walk(tree, EMPTY, undefined)
  if (checker.hazard) return checker.hazard
  const { degree, at, code } = degreeOf(tree)
  if (degree <= MAX_REGEX_DEGREE) return undefined
  const quoted = at ? `/${shortQuote(source.slice(at.start, at.end))}/` : 'a back reference'
  return {
    index: at?.start ?? 0,
    message:
      `${quoted} can backtrack polynomially: it is the ${ordinal(MAX_REGEX_DEGREE + 1)} of ${degree} unbounded parts that can all match ${describeChar(code)} ` +
      `(a pattern without ^ is tried at every offset, which counts as one), so a non-matching message of n characters costs about n^${degree} steps. ` +
      `Merge adjacent repetitions (e.g. /\\d+\\d+/ → /\\d{2,}/, /.*.*/ → /.*/), anchor the pattern with ^, or separate the parts with a character they cannot match`,
  }
}

function shortQuote(text: string): string {
  return text.length <= MAX_QUOTED_PATTERN ? text : `${text.slice(0, MAX_QUOTED_PATTERN - 1)}…`
}
