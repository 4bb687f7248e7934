import { TemplateError } from '../errors.js'
import type { FakerLike, TemplateContext } from './context.js'
import { isCryptoRandom } from './random.js'
import { errorMessage } from '../session/to-error.js'

/**
 * Kind of a template token.
 * @example
 * compileTemplate('{{now+1m}}').tokens[0]?.kind // 'now'
 */
export type TemplateTokenKind =
  | 'uuid'
  | 'now'
  | 'randInt'
  | 'randFloat'
  | 'seq'
  | 'lastMessage'
  | 'match'
  | 'faker'

/**
 * One token found in a template.
 * @example
 * compileTemplate('id={{uuid}}').tokens // [{ kind: 'uuid', raw: '{{uuid}}', index: 3 }]
 */
export interface TemplateToken {
  readonly kind: TemplateTokenKind
  /** The token as written, braces included, e.g. `{{ now+1m }}`. */
  readonly raw: string
  /** 0-based offset of its `{{` in the template text. */
  readonly index: number
}

/**
 * One problem found in a template: the offset of its `{{`, the token and a "cause. hint" message.
 * @example
 * findTemplateIssues('x {{nope}}')[0]?.index // 2
 */
export interface TemplateIssue {
  /** 0-based offset of the offending `{{` in the text. */
  readonly index: number
  /** The token as written, braces included. */
  readonly token: string
  readonly message: string
}

/**
 * Options of `compileTemplate` and `findTemplateIssues`.
 * @example
 * compileTemplate('{{faker.person.fullName}}', { faker: await loadFaker(1) })
 */
export interface CompileTemplateOptions {
  /**
   * When given, every `{{faker.MODULE.FUNCTION}}` is checked against it at compile time: it must name
   * a data function of that faker that works without arguments (see `fakerPathProblem`).
   */
  faker?: FakerLike
}

/**
 * A template parsed once and rendered many times.
 * @example
 * const t = compileTemplate('{{seq}}'); t.render(createTemplateContext()) // '1'
 */
export interface CompiledTemplate {
  readonly source: string
  /** True when rendering always returns `source` unchanged (no tokens and no `\{{` escapes). */
  readonly isStatic: boolean
  /** True when some token is `{{faker.*}}`. */
  readonly usesFaker: boolean
  /** The tokens in order of appearance. */
  readonly tokens: readonly TemplateToken[]
  render(ctx: TemplateContext): string
}

type Renderer = (ctx: TemplateContext) => string

interface Part {
  readonly render: Renderer
  /** Literal text that follows the token, up to the next token. */
  readonly after: string
}

interface Problem {
  index: number
  token: string
  /** What is wrong, e.g. `unknown token {{x}}` or `{{randInt 5 1}}`. */
  subject: string
  /** Optional continuation after "at offset N", e.g. `has MIN 5 greater than MAX 1`. */
  detail: string
  hint: string
}

interface Scanned {
  head: string
  parts: Part[]
  tokens: TemplateToken[]
  problems: Problem[]
}

const OPEN = '{{'
const CLOSE = '}}'
const BACKSLASH = 0x5c
/** Longest token shown verbatim in an error message; longer ones are shortened. */
const MAX_SHOWN_TOKEN_LENGTH = 60
const MS_PER_UNIT: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
/** Largest offset `Date` can represent (±100,000,000 days). */
const MAX_DATE_OFFSET_MS = 8.64e15
const FORBIDDEN_PATH_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor'])
/** Members of a faker instance that hold no data functions callable without arguments. */
const NON_DATA_FAKER_MEMBERS = new Set(['helpers', 'fakerCore', 'definitions', 'rawDefinitions'])
const FAKER_RULE_HINT =
  'A token calls MODULE.FUNCTION with no arguments, where MODULE is one of faker\'s data modules (person, internet, number, …; not helpers) and FUNCTION one of its own functions, e.g. {{faker.person.fullName}}.'

const KNOWN_TOKENS =
  'Known tokens: {{uuid}}, {{now}}, {{now+30s}} / {{now-1d}} (s, m, h, d), {{randInt MIN MAX}}, ' +
  '{{randFloat MIN MAX}}, {{seq}}, {{lastMessage}}, {{match.NAME}}, {{faker.MODULE.METHOD}}; ' +
  'write \\{{ for a literal {{.'
const SUGGESTIONS: Readonly<Record<string, string>> = {
  uuid: 'uuid',
  now: 'now',
  seq: 'seq',
  lastmessage: 'lastMessage',
  randint: 'randInt MIN MAX',
  randfloat: 'randFloat MIN MAX',
}

const NOW_OFFSET = /^now\s*([+-])\s*(\d+)\s*([smhd])$/
const INTEGER = /^[+-]?\d+$/
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

/**
 * Parses a template once into literal text and token renderers; throws `TemplateError` on the first bad token.
 * @example
 * const t = compileTemplate('{"id":"{{uuid}}","n":{{seq}}}')
 * t.render(createTemplateContext()) // '{"id":"…","n":1}'
 */
export function compileTemplate(text: string, opts: CompileTemplateOptions = {}): CompiledTemplate {
  const { head, parts, tokens, problems } = scan(text, opts)
  const first = problems[0]
  if (first !== undefined) {
    throw new TemplateError(
      `Failed to compile template: ${first.subject} at offset ${first.index}${first.detail && ` ${first.detail}`}. ${first.hint}`,
      first.token,
      first.index,
    )
  }
  const usesFaker = tokens.some((t) => t.kind === 'faker')
  if (parts.length === 0) {
    return { source: text, isStatic: head === text, usesFaker, tokens, render: () => head }
  }
  return {
    source: text,
    isStatic: false,
    usesFaker,
    tokens,
    render(ctx: TemplateContext): string {
      let out = head
      for (const part of parts) out += part.render(ctx) + part.after
      return out
    },
  }
}

/**
 * Lists every problem in a template (offset and message) instead of stopping at the first one.
 * @example
 * findTemplateIssues('{{nope}} {{randInt 5 1}}').map((i) => i.index) // [0, 9]
 */
export function findTemplateIssues(text: string, opts: CompileTemplateOptions = {}): TemplateIssue[] {
  return scan(text, opts).problems.map((p) => ({
    index: p.index,
    token: p.token,
    message: `${p.subject}${p.detail && ` ${p.detail}`}. ${p.hint}`,
  }))
}

function scan(text: string, opts: CompileTemplateOptions): Scanned {
  const parts: Part[] = []
  const tokens: TemplateToken[] = []
  const problems: Problem[] = []
  let head = ''
  // Literal text is collected into `lit` and attached to the previous token (or `head`).
  let lit = ''
  const flush = (): void => {
    const last = parts.pop()
    if (last === undefined) head = lit
    else parts.push({ render: last.render, after: lit })
    lit = ''
  }

  let i = 0
  // Reused while later `{{` still precede it, so a long run of braces is not rescanned (O(n²)).
  let close = -1
  for (;;) {
    const open = text.indexOf(OPEN, i)
    if (open === -1) break
    if (open > 0 && text.charCodeAt(open - 1) === BACKSLASH) {
      lit += text.slice(i, open - 1) + OPEN
      i = open + OPEN.length
      continue
    }
    if (close < open + OPEN.length) close = text.indexOf(CLOSE, open + OPEN.length)
    if (close === -1) break
    // A later `{{` before the `}}` (as in `{{{uuid}}}` or `{{ {{seq}}`) starts the real token.
    const inner = text.indexOf(OPEN, open + 1)
    if (inner !== -1 && inner < close) {
      const cut = text.charCodeAt(inner - 1) === BACKSLASH ? inner - 1 : inner
      lit += text.slice(i, cut)
      i = cut
      continue
    }

    lit += text.slice(i, open)
    const end = close + CLOSE.length
    const raw = text.slice(open, end)
    const parsed = parseToken(text.slice(open + OPEN.length, close).trim(), raw, open, opts)
    if ('subject' in parsed) {
      problems.push({ index: open, token: raw, ...parsed })
    } else {
      flush()
      parts.push({ render: parsed.render, after: '' })
      tokens.push({ kind: parsed.kind, raw, index: open })
    }
    i = end
  }
  lit += text.slice(i)
  flush()
  return { head, parts, tokens, problems }
}

type Parsed = { kind: TemplateTokenKind; render: Renderer } | { subject: string; detail: string; hint: string }

function parseToken(body: string, raw: string, index: number, opts: CompileTemplateOptions): Parsed {
  const shown = show(raw)
  switch (body) {
    case 'uuid':
      return { kind: 'uuid', render: renderUuid }
    case 'now':
      return { kind: 'now', render: (ctx) => new Date(ctx.now()).toISOString() }
    case 'seq':
      return { kind: 'seq', render: (ctx) => String(ctx.nextSeq()) }
    case 'lastMessage':
      return { kind: 'lastMessage', render: (ctx) => ctx.lastMessage ?? '' }
    case '':
      return { subject: `empty token ${shown}`, detail: '', hint: KNOWN_TOKENS }
  }

  const name = body.split(/\s/, 1)[0] ?? ''
  if (name === 'json') return parseJsonToken(body.slice(name.length).trim(), raw, index, shown, opts)
  if (name === 'randInt' || name === 'randFloat') return parseRange(name, body, shown)
  if (/^now[\s+-]/.test(body)) return parseNowOffset(body, shown)
  if (body.startsWith('match.')) return parseMatch(body.slice('match.'.length), shown)
  if (body.startsWith('faker.')) return parseFaker(body.slice('faker.'.length), raw, index, shown, opts)

  const suggestion = SUGGESTIONS[body.toLowerCase()]
  return {
    subject: `unknown token ${shown}`,
    detail: '',
    hint: suggestion === undefined ? KNOWN_TOKENS : `Did you mean {{${suggestion}}}? ${KNOWN_TOKENS}`,
  }
}

/** Tokens `{{json X}}` accepts: the ones whose value a client (or faker) controls. */
const JSON_OPERANDS = 'lastMessage, match.NAME or faker.MODULE.METHOD'

/**
 * `{{json X}}`: the value of token X escaped as the body of a JSON string (quotes, backslashes and
 * control characters escaped, no surrounding quotes), so `{"echo":"{{json lastMessage}}"}` is valid
 * JSON whatever the client sent. The raw `{{lastMessage}}` inserts the text as it is.
 */
function parseJsonToken(operand: string, raw: string, index: number, shown: string, opts: CompileTemplateOptions): Parsed {
  const inner = operand === 'lastMessage' || operand.startsWith('match.') || operand.startsWith('faker.') ? parseToken(operand, raw, index, opts) : undefined
  if (inner === undefined) {
    return {
      subject: shown,
      detail: operand === '' ? 'needs a value to escape' : `cannot escape "${operand}"`,
      hint: `Write {{json lastMessage}} or {{json match.NAME}} inside a JSON string, e.g. {"echo":"{{json lastMessage}}"}; {{json X}} takes ${JSON_OPERANDS}.`,
    }
  }
  if ('subject' in inner) return inner
  const render = inner.render
  // The characters between the quotes of `JSON.stringify`; lone surrogates become `\uD8xx` escapes.
  return { kind: inner.kind, render: (ctx) => JSON.stringify(render(ctx)).slice(1, -1) }
}

function parseNowOffset(body: string, shown: string): Parsed {
  const m = NOW_OFFSET.exec(body)
  const amount = m ? Number(m[2]) * (MS_PER_UNIT[m[3] ?? ''] ?? Number.NaN) : Number.NaN
  if (!m || !(amount <= MAX_DATE_OFFSET_MS)) {
    return {
      subject: shown,
      detail: 'has a bad time offset',
      hint: 'Write now, then + or -, a whole number and one of s, m, h, d, e.g. {{now+30s}} or {{now-2h}}.',
    }
  }
  const offsetMs = m[1] === '-' ? -amount : amount
  return { kind: 'now', render: (ctx) => new Date(ctx.now() + offsetMs).toISOString() }
}

function parseRange(name: 'randInt' | 'randFloat', body: string, shown: string): Parsed {
  const args = body.split(/\s+/).slice(1)
  const isInt = name === 'randInt'
  const example = isInt ? '{{randInt 1 100}}' : '{{randFloat 0 1.5}}'
  const [a, b] = args
  if (args.length !== 2 || a === undefined || b === undefined || !(isInt ? INTEGER : DECIMAL).test(a) || !(isInt ? INTEGER : DECIMAL).test(b)) {
    return {
      subject: shown,
      detail: `needs two ${isInt ? 'integers' : 'numbers'} MIN MAX`,
      hint: `Write e.g. ${example}; negative bounds are allowed.`,
    }
  }
  const min = Number(a)
  const max = Number(b)
  if (isInt ? !Number.isSafeInteger(min) || !Number.isSafeInteger(max) : !Number.isFinite(min) || !Number.isFinite(max)) {
    return {
      subject: shown,
      detail: 'has a bound outside the representable range',
      hint: `Use bounds between ${-Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}, e.g. ${example}.`,
    }
  }
  if (min > max) {
    return {
      subject: shown,
      detail: `has MIN ${a} greater than MAX ${b}`,
      hint: `Swap the bounds: {{${name} ${b} ${a}}}.`,
    }
  }
  if (isInt) return { kind: 'randInt', render: (ctx) => String(ctx.random.int(min, max)) }
  const span = max - min
  return { kind: 'randFloat', render: (ctx) => String(min + ctx.random.next() * span) }
}

function parseMatch(name: string, shown: string): Parsed {
  if (!IDENTIFIER.test(name)) {
    return {
      subject: shown,
      detail: name === '' ? 'needs a group name' : `has an invalid group name "${name}"`,
      hint: 'Write {{match.NAME}} where NAME is a named group (?<NAME>...) of the last waitFor/match regex, e.g. {{match.id}}.',
    }
  }
  return {
    kind: 'match',
    render: (ctx) => {
      const groups = ctx.match
      // Own properties only: a group called `constructor` must not render Object's constructor.
      return groups !== undefined && Object.hasOwn(groups, name) ? (groups[name] ?? '') : ''
    },
  }
}

function parseFaker(path: string, raw: string, index: number, shown: string, opts: CompileTemplateOptions): Parsed {
  const segments = path.split('.')
  const reserved = segments.find((s) => FORBIDDEN_PATH_SEGMENTS.has(s))
  if (segments.length !== 2 || reserved !== undefined || !segments.every((s) => IDENTIFIER.test(s))) {
    return {
      subject: shown,
      detail: reserved === undefined ? 'needs a faker path MODULE.METHOD' : `uses the reserved name "${reserved}"`,
      hint: 'Write e.g. {{faker.person.fullName}} or {{faker.internet.email}}.',
    }
  }
  const [moduleName = '', functionName = ''] = segments
  if (NON_DATA_FAKER_MEMBERS.has(moduleName)) {
    return {
      subject: shown,
      detail: `names faker.${moduleName}, which holds no data functions a token can call (they need arguments)`,
      hint: FAKER_RULE_HINT,
    }
  }
  if (opts.faker !== undefined) {
    const problem = fakerPathProblem(opts.faker, moduleName, functionName)
    if (problem !== undefined) return { subject: shown, detail: `names faker.${path}, ${problem}`, hint: FAKER_RULE_HINT }
  }

  let cachedFaker: FakerLike | undefined
  let call: () => unknown = () => undefined
  return {
    kind: 'faker',
    render: (ctx) => {
      const faker = ctx.faker
      if (faker === undefined) {
        throw new TemplateError(
          `Failed to render template: ${shown} at offset ${index} needs faker, but none is loaded. ` +
            'Faker must be loaded first: pass `await loadFaker(seed)` as the context faker (npm i -D @faker-js/faker).',
          raw,
          index,
        )
      }
      // Resolve once per faker instance; rendering then costs one call.
      if (faker !== cachedFaker) {
        const resolved = resolveFaker(faker, moduleName, functionName)
        if (resolved === undefined) {
          throw new TemplateError(
            `Failed to render template: ${shown} at offset ${index} names faker.${path}, which is not a data function of the loaded faker. ${FAKER_RULE_HINT}`,
            raw,
            index,
          )
        }
        call = resolved
        cachedFaker = faker
      }
      return fakerValueToString(call())
    },
  }
}

/**
 * The function a `{{faker.MODULE.FUNCTION}}` token calls, or `undefined` when the path breaks the rule:
 * MODULE is an own enumerable member of the faker holding an object (not `helpers`), FUNCTION an own
 * enumerable function of that module. Nothing inherited (`__defineGetter__`, prototype members) is reachable.
 */
function resolveFaker(faker: FakerLike, moduleName: string, functionName: string): (() => unknown) | undefined {
  if (NON_DATA_FAKER_MEMBERS.has(moduleName) || !isOwnEnumerable(faker, moduleName)) return undefined
  const owner = faker[moduleName]
  if (typeof owner !== 'object' || owner === null || !isOwnEnumerable(owner, functionName)) return undefined
  const value = (owner as Record<string, unknown>)[functionName]
  if (typeof value !== 'function') return undefined
  const fn = value as (this: unknown) => unknown
  // Faker methods read their module through `this`, so keep the owner bound.
  return () => fn.call(owner)
}

function isOwnEnumerable(target: object, key: string): boolean {
  return Object.prototype.propertyIsEnumerable.call(target, key)
}

/** Outcome of calling each path once on a faker's probe instance, so it is tried only once. */
const probeResults = new WeakMap<FakerLike, Map<string, string | undefined>>()
const probes = new WeakMap<FakerLike, FakerLike | null>()

/**
 * Why `faker.MODULE.FUNCTION` cannot be a token (as "which …"), or `undefined` when it can. Besides the
 * rule of `resolveFaker`, the function is called once without arguments on a private copy of a real
 * faker (same locale), so functions that need arguments (`date.between`) are refused at start while the
 * given instance's seeded sequence is left untouched.
 */
function fakerPathProblem(faker: FakerLike, moduleName: string, functionName: string): string | undefined {
  if (resolveFaker(faker, moduleName, functionName) === undefined) return 'which is not a data function of the given faker'
  const probe = probeOf(faker)
  if (probe === undefined) return undefined
  const key = `${moduleName}.${functionName}`
  let results = probeResults.get(faker)
  if (results === undefined) probeResults.set(faker, (results = new Map()))
  if (results.has(key)) return results.get(key)
  let problem: string | undefined
  try {
    resolveFaker(probe, moduleName, functionName)?.()
  } catch (error) {
    problem = `which fails when called without arguments (${errorMessage(error).replace(/\.+$/, '')})`
  }
  results.set(key, problem)
  return problem
}

/** A second instance of a real `@faker-js/faker` (its class and locale), or `undefined` for any other faker-like object. */
function probeOf(faker: FakerLike): FakerLike | undefined {
  const known = probes.get(faker)
  if (known !== undefined) return known ?? undefined
  let probe: FakerLike | null = null
  const Ctor = (faker as { constructor?: unknown }).constructor
  const locale = faker['rawDefinitions']
  if (typeof Ctor === 'function' && Ctor !== Object && typeof locale === 'object' && locale !== null) {
    try {
      const made = new (Ctor as new (o: { locale: unknown; seed: number }) => FakerLike)({ locale, seed: 0 })
      if (typeof made === 'object' && made !== null && made !== faker) probe = made
    } catch {
      probe = null
    }
  }
  probes.set(faker, probe)
  return probe ?? undefined
}

function fakerValueToString(value: unknown): string {
  if (typeof value === 'string') return value
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'object' && value !== null) return JSON.stringify(value)
  return String(value)
}

function renderUuid(ctx: TemplateContext): string {
  const random = ctx.random
  return isCryptoRandom(random) ? globalThis.crypto.randomUUID() : formatUuidV4(random.bytes(16))
}

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/**
 * Formats 16 random bytes as an RFC 9562 version-4 UUID (version and variant bits set, as the
 * `uuid` package's `v4({ random })` does, so seeded templates keep their values).
 */
export function formatUuidV4(bytes: Uint8Array): string {
  const h = (i: number): string => HEX_BYTE[i === 6 ? ((bytes[6] ?? 0) & 0x0f) | 0x40 : i === 8 ? ((bytes[8] ?? 0) & 0x3f) | 0x80 : (bytes[i] ?? 0)] ?? '00'
  return `${h(0)}${h(1)}${h(2)}${h(3)}-${h(4)}${h(5)}-${h(6)}${h(7)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`
}

function show(raw: string): string {
  return raw.length <= MAX_SHOWN_TOKEN_LENGTH ? raw : `${raw.slice(0, MAX_SHOWN_TOKEN_LENGTH - 3)}…}}`
}
