// The Socket.IO builder's steps and how they compile to replay entries of the dialect (dialect.ts), with the
// in-memory matchers the player uses; the entries are what `toReplay()` of a builder writes.
import { MockWsError } from '../../errors.js'
import { compileEntries } from '../../replay/parse.js'
import type { CompiledReplay, PlayStep, ReplayEntry } from '../../replay/types.js'
import { escapeRegExp, jsonSubsetPattern, jsonSubsetProblem, isPlainObject, type JsonValue } from '../../scenario/json-subset.js'
import { findTemplateIssues, compileTemplate, type CompiledTemplate } from '../../template/compile.js'
import type { TemplateContext } from '../../template/context.js'
import { expandTokens } from '../../template/expand.js'
import { decodeValue, encodeValue, frameText, ioAck, ioEvent, parseFrame, type ArgsMatcher } from './dialect.js'

/** `origin.file` of steps built by `mockSocketIo()` (their `line` is the step number). */
export const SOCKET_IO_SCENARIO_FILE = '<socket.io scenario>'
/** Event names socket.io keeps for itself: a server cannot emit them. */
export const RESERVED_EVENTS: ReadonlySet<string> = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'])
/** Longest JSON shown inside a step description such as `emit("welcome", …)`. */
const DESCRIPTION_MAX_CHARS = 80

/** One builder call, in order. */
export type SocketIoStep =
  | { kind: 'expectEmit'; event: string; args: ArgsMatcher; ack?: unknown[]; timeoutMs?: number }
  | { kind: 'waitFor'; event: string; args: ArgsMatcher; timeoutMs?: number }
  | { kind: 'emit'; event: string; args: unknown[] }
  | { kind: 'emitWithAck'; event: string; args: unknown[]; expect?: JsonValue[]; timeoutMs?: number }
  | { kind: 'delay'; ms: number }
  | { kind: 'disconnect' }
  | { kind: 'drop' }

function short(value: unknown): string {
  const text = JSON.stringify(encodeValue(value)) ?? String(value)
  return text.length > DESCRIPTION_MAX_CHARS ? `${text.slice(0, DESCRIPTION_MAX_CHARS - 1)}…` : text
}

/**
 * The call as a user wrote it, for failure reports.
 * @example
 * describeSocketIoStep({ kind: 'delay', ms: 5 }) // 'delay(5)'
 */
export function describeSocketIoStep(step: SocketIoStep): string {
  const name = 'event' in step ? JSON.stringify(step.event) : ''
  switch (step.kind) {
    case 'expectEmit':
      return `expectEmit(${name}${step.args === undefined ? '' : `, ${short(step.args)}`}${step.ack ? `, { ack: ${short(step.ack)} }` : ''})`
    case 'waitFor':
      return `waitFor(${name}${step.args === undefined ? '' : `, ${short(step.args)}`})`
    case 'emit':
      return `emit(${[name, ...step.args.map(short)].join(', ')})`
    case 'emitWithAck':
      return `emitWithAck(${name}, ${short(step.args)}${step.expect ? `, { expect: ${short(step.expect)} }` : ''})`
    case 'delay':
      return `delay(${step.ms})`
    case 'disconnect':
      return 'disconnect()'
    case 'drop':
      return 'dropConnection()'
  }
}

/** Regex (serializable, looser than the in-memory matcher) for an event frame named `event`. */
function eventPattern(event: string, args: ArgsMatcher, ack: boolean): string {
  const name = escapeRegExp(JSON.stringify(event))
  const head = ack ? `^\\{"event":\\[${name}[,\\]]` : `^(?:\\[|\\{"event":\\[)${name}[,\\]]`
  if (!isPlainObject(args)) return head
  // The subset's lookaheads, without its "starts with {" anchor: the first argument sits inside the array.
  const subset = jsonSubsetPattern(args as { [key: string]: JsonValue })
  return head.replace(/^\^/, `^${subset.slice('^(?=\\s*\\{)'.length, -'[\\s\\S]*$'.length)}`)
}

function ackPattern(to: string): string {
  return `^\\{"ack":\\[[\\s\\S]*\\],"to":${escapeRegExp(JSON.stringify(to))}\\}$`
}

interface Built {
  entry: ReplayEntry
  description: string
  predicate?: (text: string) => boolean
}

/** Every string of an `out` frame that has a template problem, as "step N call: problem" lines. */
function templateProblems(value: unknown, where: string, out: string[]): void {
  decodeValue(value, (s) => {
    for (const issue of findTemplateIssues(s)) out.push(`${where}: ${issue.message}`)
    return s
  })
}

function usesFaker(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('{{') && compileTemplate(value).usesFaker
  if (Array.isArray(value)) return value.some(usesFaker)
  if (isPlainObject(value)) return Object.values(value).some(usesFaker)
  return false
}

/**
 * Compiles the builder's steps to replay entries and player steps (with their in-memory matchers);
 * throws one error listing every template problem.
 * @example
 * compileSocketIoSteps([{ kind: 'emit', event: 'hi', args: [] }]).replay.steps.length // 1
 */
export function compileSocketIoSteps(steps: readonly SocketIoStep[], expandTemplates = true): { replay: CompiledReplay; entries: ReplayEntry[] } {
  const built: Built[] = []
  const problems: string[] = []
  let ts = 0
  for (const step of steps) {
    const description = describeSocketIoStep(step)
    const timeout = 'timeoutMs' in step && step.timeoutMs !== undefined ? { timeoutMs: step.timeoutMs } : {}
    switch (step.kind) {
      case 'delay':
        ts += step.ms
        break
      case 'expectEmit': {
        const ack = step.ack !== undefined
        // An ack-asking emit with every argument listed has an exact file form; the others a looser regex.
        const body: Partial<ReplayEntry> =
          ack && Array.isArray(step.args) ? { json: { event: [step.event, ...step.args], ack: true } } : { match: eventPattern(step.event, step.args, ack) }
        built.push({ entry: { ts, dir: 'in', ...body, ...timeout }, description, predicate: ioEvent(step.event, step.args, { ack }) })
        if (step.ack) built.push({ entry: { ts, dir: 'out', text: frameText({ kind: 'ack', to: step.event, args: step.ack }) }, description: `${description} ack` })
        break
      }
      case 'waitFor':
        built.push({ entry: { ts, dir: 'out', waitFor: eventPattern(step.event, step.args, false), ...timeout }, description, predicate: ioEvent(step.event, step.args) })
        break
      case 'emit':
        if (expandTemplates) templateProblems(step.args, `step ${built.length + 1} ${description}`, problems)
        built.push({ entry: { ts, dir: 'out', text: frameText({ kind: 'event', event: step.event, args: step.args, ack: false }) }, description })
        break
      case 'emitWithAck':
        if (expandTemplates) templateProblems(step.args, `step ${built.length + 1} ${description}`, problems)
        built.push({ entry: { ts, dir: 'out', text: frameText({ kind: 'event', event: step.event, args: step.args, ack: true }) }, description })
        built.push({
          entry: { ts, dir: 'in', ...(step.expect ? { json: { ack: step.expect, to: step.event } } : { match: ackPattern(step.event) }), ...timeout },
          description: `${description} ack`,
          predicate: ioAck(step.event, step.expect),
        })
        break
      case 'disconnect':
        built.push({ entry: { ts, dir: 'out', close: { code: 1000, reason: 'io server disconnect' } }, description })
        break
      case 'drop':
        built.push({ entry: { ts, dir: 'out', close: { code: 1006, reason: '' } }, description })
        break
    }
  }
  if (problems.length > 0) {
    throw new MockWsError('WSM_TEMPLATE', `Failed to build the Socket.IO scenario: ${problems.length} template problem${problems.length === 1 ? '' : 's'}.\n${problems.map((p) => `  ${p}`).join('\n')}\nFix the tokens, or write \\{{ for a literal {{.`)
  }
  const entries = built.map((b) => b.entry)
  // Templates are expanded per JSON string of the frame, never over the whole text.
  const compiled = compileEntries(entries, { file: SOCKET_IO_SCENARIO_FILE, expandTemplates: false })
  const playSteps: PlayStep[] = withFrameTemplates(compiled, expandTemplates).steps.map((s, i) => {
    const b = built[i] as Built
    return { ...s, origin: { ...s.origin, description: b.description }, ...(b.predicate ? { predicate: b.predicate } : {}) }
  })
  const faker = expandTemplates && steps.some((s) => (s.kind === 'emit' || s.kind === 'emitWithAck') && usesFaker(s.args))
  return { replay: { source: SOCKET_IO_SCENARIO_FILE, steps: playSteps, usesFaker: faker }, entries }
}

/**
 * The replay with the templates of its `out` texts expanded inside each JSON string of the frame (where a
 * whole-text template would break the JSON), or, with `expand` false, played exactly as written.
 * @example
 * withFrameTemplates(await loadReplay(entries, { expandTemplates: false }), true)
 */
export function withFrameTemplates(replay: CompiledReplay, expand: boolean): CompiledReplay {
  return {
    ...replay,
    steps: replay.steps.map((step) => {
      const copy: PlayStep = { ...step }
      delete copy.template
      if (expand && step.dir === 'out' && step.text?.includes('{{')) copy.template = frameTemplate(step.text)
      return copy
    }),
  }
}

function frameTemplate(text: string): CompiledTemplate {
  const render = (ctx: TemplateContext): string => frameText(parseFrame(text, { decode: true, str: (s) => expandTokens(s, ctx) }))
  return { source: text, isStatic: false, usesFaker: false, tokens: [], render }
}

/**
 * Checks one step's arguments when it is added, so a mistake fails at the call that made it.
 * @example
 * checkStep({ kind: 'delay', ms: -1 }) // throws: Failed to add delay(-1) to the Socket.IO scenario: …
 */
export function checkStep(step: SocketIoStep): void {
  const call = describeSocketIoStep(step)
  const fail = (cause: string, hint: string): never => {
    throw new MockWsError('WSM_SCENARIO', `Failed to add ${call} to the Socket.IO scenario: ${cause}. ${hint}`)
  }
  if ('event' in step && (typeof step.event !== 'string' || step.event === '')) fail('the event name must be a non-empty string', 'Pass the name the client emits or listens to.')
  if ((step.kind === 'emit' || step.kind === 'emitWithAck') && RESERVED_EVENTS.has(step.event)) {
    fail(`"${step.event}" is reserved by socket.io`, step.event === 'disconnect' ? 'Use disconnect() to disconnect the client.' : 'Pick another event name.')
  }
  if ((step.kind === 'expectEmit' || step.kind === 'waitFor') && step.args !== undefined) {
    const problem = Array.isArray(step.args) ? jsonSubsetProblem({ args: step.args }) : jsonSubsetProblem({ arg: step.args })
    if (problem) fail(problem.replace(/^\$\.(args|arg)/, '$'), 'Match arguments with JSON values only.')
  }
  if (step.kind === 'expectEmit' && step.ack !== undefined && !Array.isArray(step.ack)) fail('ack must be the array of arguments the ack callback is called with', "Write { ack: ['ok'] }.")
  if (step.kind === 'emitWithAck') {
    if (!Array.isArray(step.args)) fail('args must be an array', "Write emitWithAck('ping', [1], { expect: ['pong'] }).")
    if (step.expect !== undefined && !Array.isArray(step.expect)) fail('expect must be the array of arguments the ack should carry', "Write { expect: ['pong'] }.")
  }
  if ('timeoutMs' in step && step.timeoutMs !== undefined && (typeof step.timeoutMs !== 'number' || !Number.isFinite(step.timeoutMs) || step.timeoutMs <= 0)) {
    fail(`timeoutMs is ${String(step.timeoutMs)}; it must be a finite number > 0`, 'Leave it out to use the mock default.')
  }
  if (step.kind === 'delay' && (typeof step.ms !== 'number' || !Number.isFinite(step.ms) || step.ms < 0)) fail(`${String(step.ms)} is not a duration`, 'Pass a finite number of ms >= 0.')
}
