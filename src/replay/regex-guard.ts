/**
 * Load-time check for regexes that can backtrack catastrophically (`(a+)+$`, `(\w+\s?)*$`, `(.|\s)*$`).
 *
 * A replay's `waitFor`/`match` regexes run on the event loop for every client message; one
 * exponential pattern would freeze every connection of the mock. Rather than run each match off
 * the loop, the parser refuses the shapes that cause exponential backtracking, with a message
 * pointing at the pattern. The analysis is a heuristic over the pattern's syntax: inside any part
 * that repeats (a quantifier allowing more than one iteration), no choice may have two ways to go
 * on with the same character: an inner quantifier whose "once more" and "stop" both accept the same
 * next character, or alternatives that start with the same character. Polynomial patterns such as
 * `\d+\d+$` are accepted (their cost grows with the message length, bounded by `maxPayload`).
 * This module is the only place that knows the rules, so a library (e.g. safe-regex2) can replace it.
 */

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
const CLASS_ESCAPES: Readonly<Record<string, CharSet>> = {
  d: DIGIT,
  D: complement(DIGIT),
  w: WORD,
  W: complement(WORD),
  s: SPACE,
  S: complement(SPACE),
}
const CONTROL_ESCAPES: Readonly<Record<string, number>> = { n: 0x0a, r: 0x0d, t: 0x09, f: 0x0c, v: 0x0b }
const HEX2 = /^[0-9a-fA-F]{2}$/
const HEX4 = /^[0-9a-fA-F]{4}$/
const LETTER = /^[A-Za-z]$/
const QUANTIFIER_BRACES = /^\{(\d+)(,(\d*))?\}/

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
  | { type: 'assert' }
  | { type: 'backref' }
  | { type: 'repeat'; body: Node; min: number; max: number; start: number; end: number }

/** Thrown inside the parser for syntax it does not model; the pattern is then left unchecked. */
class Unsupported extends Error {}
/** Thrown inside the parser when groups nest deeper than `MAX_REGEX_NESTING`. */
class TooDeep extends Error {
  constructor(readonly index: number) {
    super('too deep')
  }
}

/** Recursive-descent parser of the non-unicode (Annex B) regex syntax that `new RegExp(source)` accepts. */
class Parser {
  #s: string
  #i = 0
  #depth = 0
  constructor(source: string) {
    this.#s = source
  }

  parse(): Node {
    const node = this.#alternation()
    if (this.#i < this.#s.length) throw new Unsupported('unbalanced )')
    return node
  }

  #alternation(): Node {
    const start = this.#i
    const alts: Node[] = [this.#sequence()]
    while (this.#s[this.#i] === '|') {
      this.#i++
      alts.push(this.#sequence())
    }
    return alts.length === 1 ? (alts[0] as Node) : { type: 'alt', alts, start, end: this.#i }
  }

  #sequence(): Node {
    const items: Node[] = []
    while (this.#i < this.#s.length && this.#s[this.#i] !== '|' && this.#s[this.#i] !== ')') {
      const start = this.#i
      const atom = this.#atom()
      items.push(this.#quantified(atom, start))
    }
    return { type: 'seq', items }
  }

  #quantified(atom: Node, start: number): Node {
    const c = this.#s[this.#i]
    let min: number
    let max: number
    if (c === '*' || c === '+' || c === '?') {
      this.#i++
      min = c === '+' ? 1 : 0
      max = c === '?' ? 1 : Infinity
    } else if (c === '{') {
      const braces = QUANTIFIER_BRACES.exec(this.#s.slice(this.#i))
      if (!braces) return atom
      this.#i += braces[0].length
      min = Number(braces[1])
      max = braces[2] === undefined ? min : braces[3] === '' ? Infinity : Number(braces[3])
    } else return atom
    if (this.#s[this.#i] === '?') this.#i++
    return { type: 'repeat', body: atom, min, max, start, end: this.#i }
  }

  #atom(): Node {
    const start = this.#i
    const c = this.#s[this.#i++] as string
    switch (c) {
      case '^':
      case '$':
        return { type: 'assert' }
      case '.':
        return { type: 'char', set: DOT, start, end: this.#i }
      case '(':
        return this.#group()
      case '[':
        return { type: 'char', set: this.#charClass(), start, end: this.#i }
      case '\\':
        return this.#atomEscape(start)
      default:
        return { type: 'char', set: single(c.charCodeAt(0)), start, end: this.#i }
    }
  }

  #group(): Node {
    if (++this.#depth > MAX_REGEX_NESTING) throw new TooDeep(this.#i - 1)
    let look = false
    if (this.#s[this.#i] === '?') {
      const kind = this.#s.slice(this.#i, this.#i + 3)
      if (kind.startsWith('?:')) this.#i += 2
      else if (kind.startsWith('?=') || kind.startsWith('?!')) {
        this.#i += 2
        look = true
      } else if (kind === '?<=' || kind === '?<!') {
        this.#i += 3
        look = true
      } else if (kind.startsWith('?<')) {
        const close = this.#s.indexOf('>', this.#i)
        if (close === -1) throw new Unsupported('group name')
        this.#i = close + 1
      } else throw new Unsupported('group kind')
    }
    const body = this.#alternation()
    if (this.#s[this.#i] !== ')') throw new Unsupported('unclosed group')
    this.#i++
    this.#depth--
    return { type: 'group', body, look }
  }

  #atomEscape(start: number): Node {
    const c = this.#s[this.#i]
    if (c === undefined) throw new Unsupported('trailing backslash')
    if (c === 'b' || c === 'B') {
      this.#i++
      return { type: 'assert' }
    }
    // A back reference matches whatever its group matched: any text, possibly empty.
    if ((c >= '1' && c <= '9') || (c === 'k' && this.#s[this.#i + 1] === '<')) {
      this.#i++
      if (c === 'k') this.#i = Math.max(this.#i, this.#s.indexOf('>', this.#i) + 1)
      else while (/[0-9]/.test(this.#s[this.#i] ?? '')) this.#i++
      return { type: 'backref' }
    }
    return { type: 'char', set: this.#escapeSet(false), start, end: this.#i }
  }

  /** Reads the escape after a backslash (the cursor is on the character after it). */
  #escapeSet(inClass: boolean): CharSet {
    const c = this.#s[this.#i++] as string
    const classEscape = CLASS_ESCAPES[c]
    if (classEscape) return classEscape
    const control = CONTROL_ESCAPES[c]
    if (control !== undefined) return single(control)
    if (inClass && c === 'b') return single(0x08)
    if (c === 'x' || c === 'u') {
      const digits = c === 'x' ? 2 : 4
      const hex = this.#s.slice(this.#i, this.#i + digits)
      if ((digits === 2 ? HEX2 : HEX4).test(hex)) {
        this.#i += digits
        return single(Number.parseInt(hex, 16))
      }
      return single(c.charCodeAt(0))
    }
    if (c === 'c') {
      const letter = this.#s[this.#i]
      if (letter !== undefined && LETTER.test(letter)) {
        this.#i++
        return single(letter.charCodeAt(0) % 32)
      }
      // Annex B: `\c` without a letter is a literal backslash; the `c` is read next.
      this.#i--
      return single(0x5c)
    }
    // Octal escapes and digits: rare enough to model as "any character" (only ever makes the check stricter).
    if (c >= '0' && c <= '9') {
      while (/[0-7]/.test(this.#s[this.#i] ?? '')) this.#i++
      return ANY
    }
    return single(c.charCodeAt(0))
  }

  /** Reads a character class; the cursor is just after `[`. */
  #charClass(): CharSet {
    const negated = this.#s[this.#i] === '^'
    if (negated) this.#i++
    const ranges: (readonly [number, number])[] = []
    for (;;) {
      if (this.#i >= this.#s.length) throw new Unsupported('unclosed class')
      if (this.#s[this.#i] === ']') {
        this.#i++
        break
      }
      const from = this.#classAtom()
      if (this.#s[this.#i] === '-' && this.#s[this.#i + 1] !== ']' && this.#i + 1 < this.#s.length) {
        const save = this.#i
        this.#i++
        const to = this.#classAtom()
        const lo = isSingle(from)
        const hi = isSingle(to)
        if (lo !== undefined && hi !== undefined) {
          ranges.push([lo, hi])
          continue
        }
        // Annex B: a range with a class escape on either side is the two sets and a literal `-`.
        this.#i = save
      }
      ranges.push(...from)
    }
    const set = normalize(ranges)
    return negated ? complement(set) : set
  }

  #classAtom(): CharSet {
    const c = this.#s[this.#i++] as string
    if (c !== '\\') return single(c.charCodeAt(0))
    if (this.#i >= this.#s.length) throw new Unsupported('trailing backslash')
    return this.#escapeSet(true)
  }
}

function isSingle(set: CharSet): number | undefined {
  const only = set.length === 1 ? set[0] : undefined
  return only && only[0] === only[1] ? only[0] : undefined
}

const nullableMemo = new WeakMap<Node, boolean>()
const firstMemo = new WeakMap<Node, CharSet>()

function nullable(node: Node): boolean {
  let known = nullableMemo.get(node)
  if (known === undefined) {
    known = computeNullable(node)
    nullableMemo.set(node, known)
  }
  return known
}

function first(node: Node): CharSet {
  let known = firstMemo.get(node)
  if (known === undefined) {
    known = computeFirst(node)
    firstMemo.set(node, known)
  }
  return known
}

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
    const text = this.#source.slice(start, end)
    return `/${text.length <= MAX_QUOTED_PATTERN ? text : `${text.slice(0, MAX_QUOTED_PATTERN - 1)}…`}/`
  }
}

function describeChar(code: number): string {
  return code >= 0x21 && code <= 0x7e ? JSON.stringify(String.fromCharCode(code)) : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`
}

/**
 * Finds a shape in a regex source (JS syntax, no flags) that can backtrack exponentially, or `undefined`.
 * Call it only on sources `new RegExp` accepts; syntax it does not model is left unchecked.
 * @example
 * findRegexHazard('(a+)+$')?.index // 0
 * findRegexHazard('^\\{"type":"(\\w+)"') // undefined
 */
export function findRegexHazard(source: string): RegexHazard | undefined {
  let tree: Node
  try {
    tree = new Parser(source).parse()
  } catch (error) {
    if (error instanceof Unsupported) return undefined
    if (error instanceof TooDeep) {
      return { index: error.index, message: `groups nest more than ${MAX_REGEX_NESTING} levels deep, too deep to check for catastrophic backtracking. Flatten the pattern` }
    }
    throw error
  }
  const checker = new Checker(source)
  checker.walk(tree, EMPTY, undefined)
  return checker.hazard
}
