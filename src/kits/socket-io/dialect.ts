// The Socket.IO replay dialect: how decoded Socket.IO traffic is written as the text of replay entries and
// transcript frames, so the one player (which only knows texts) can play it. See docs/socket-io.md.
//
//   ["chat",{"text":"hi"}]                     an event (either way), no ack asked for
//   {"event":["ping",1],"ack":true}            an event whose sender asks for an ack
//   {"ack":["pong"],"to":"ping"}               the ack of the oldest unanswered such event named "ping"
//
// Bytes in arguments (Buffer, ArrayBuffer, typed arrays) are written {"$binary":"<base64>"}; template tokens
// in `out` texts are expanded inside each JSON string, so the text stays valid JSON whatever a token renders.
import { MockWsError } from '../../errors.js'
import { isPlainObject, matchesJsonSubset, type JsonValue } from '../../scenario/json-subset.js'

/** Key of the object that stands for bytes in a Socket.IO frame's text. */
export const BINARY_KEY = '$binary'

/** One decoded frame of the dialect. */
export type SocketIoFrame =
  | { kind: 'event'; event: string; args: unknown[]; ack: boolean }
  | { kind: 'ack'; to: string; args: unknown[] }

function dialectError(cause: string, text: string): MockWsError {
  const shown = text.length > 80 ? `${text.slice(0, 79)}…` : text
  return new MockWsError(
    'WSM_SCENARIO',
    `Failed to read Socket.IO frame ${JSON.stringify(shown)}: ${cause}. Write ["event", ...args], {"event":[...],"ack":true} or {"ack":[...],"to":"event"} (see docs/socket-io.md).`,
  )
}

/**
 * Replaces bytes with `{"$binary": base64}` so a value can be written as JSON; a value without bytes is returned as it is.
 * @example
 * encodeValue({ data: Buffer.from([1, 2, 3]) }) // { data: { $binary: 'AQID' } }
 */
export function encodeValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value
  if (value instanceof ArrayBuffer) return { [BINARY_KEY]: Buffer.from(value).toString('base64') }
  if (ArrayBuffer.isView(value)) return { [BINARY_KEY]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') }
  // Copy only from the first part that changes: most traffic has no bytes and is written as it is.
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const encoded = encodeValue(value[i])
      if (encoded !== value[i]) {
        const copy = value.slice(0, i)
        copy.push(encoded)
        for (let j = i + 1; j < value.length; j++) copy.push(encodeValue(value[j]))
        return copy
      }
    }
    return value
  }
  let copy: Record<string, unknown> | undefined
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key]
    const encoded = encodeValue(child)
    if (encoded !== child && !copy) copy = { ...(value as Record<string, unknown>) }
    if (copy) copy[key] = encoded
  }
  return copy ?? value
}

/**
 * Turns `{"$binary": base64}` back into Buffers and runs `str` over every other string.
 * @example
 * decodeValue({ data: { $binary: 'AQID' } }) // { data: <Buffer 01 02 03> }
 */
export function decodeValue(value: unknown, str: (s: string) => string = (s) => s): unknown {
  if (typeof value === 'string') return str(value)
  if (Array.isArray(value)) return value.map((v) => decodeValue(v, str))
  if (isPlainObject(value)) {
    const keys = Object.keys(value)
    if (keys.length === 1 && keys[0] === BINARY_KEY && typeof value[BINARY_KEY] === 'string') return Buffer.from(value[BINARY_KEY], 'base64')
    const out: Record<string, unknown> = {}
    for (const key of keys) out[key] = decodeValue(value[key], str)
    return out
  }
  return value
}

// The text a connection just wrote is usually parsed again at once by the player's matcher: remember the last one.
let lastText: string | undefined
let lastFrame: SocketIoFrame | undefined

/**
 * Writes one frame as dialect text.
 * @example
 * frameText({ kind: 'event', event: 'chat', args: [{ text: 'hi' }], ack: false }) // '["chat",{"text":"hi"}]'
 */
export function frameText(frame: SocketIoFrame): string {
  const args = encodeValue(frame.args) as unknown[]
  // Without bytes the arguments are already in their written form: the frame itself is remembered.
  lastFrame = args === frame.args ? frame : { ...frame, args }
  if (frame.kind === 'ack') lastText = JSON.stringify({ ack: args, to: frame.to })
  else lastText = JSON.stringify(frame.ack ? { event: [frame.event, ...args], ack: true } : [frame.event, ...args])
  return lastText
}

/** Options of `parseFrame`. */
export interface ParseFrameOptions {
  /** Turn `{"$binary"}` objects into Buffers (default false: the written form, as matchers compare it). */
  decode?: boolean
  /** Runs over every string of the arguments when decoding (template expansion). */
  str?: ((text: string) => string) | undefined
}

/**
 * Reads dialect text back into a frame; throws a `MockWsError` naming what is wrong.
 * @example
 * parseFrame('{"ack":["ok"],"to":"chat"}') // { kind: 'ack', to: 'chat', args: ['ok'] }
 */
export function parseFrame(text: string, opts: ParseFrameOptions = {}): SocketIoFrame {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw dialectError(`it is not JSON (${(error as Error).message})`, text)
  }
  const decode = (v: unknown): unknown[] => (opts.decode ? (decodeValue(v, opts.str) as unknown[]) : (v as unknown[]))
  if (Array.isArray(parsed)) return eventFrame(parsed, false, text, decode)
  if (isPlainObject(parsed)) {
    if (Array.isArray(parsed.event)) {
      if (parsed.ack !== true) throw dialectError('"ack" must be true next to "event"', text)
      return eventFrame(parsed.event, true, text, decode)
    }
    if (Array.isArray(parsed.ack)) {
      if (typeof parsed.to !== 'string') throw dialectError('an ack needs "to": the name of the event it answers', text)
      return { kind: 'ack', to: parsed.to, args: decode(parsed.ack) }
    }
  }
  throw dialectError('it is neither an event array nor an event or ack object', text)
}

function eventFrame(list: unknown[], ack: boolean, text: string, decode: (v: unknown) => unknown[]): SocketIoFrame {
  const [event, ...args] = list
  if (typeof event !== 'string' || event === '') throw dialectError('the first element must be the event name (a non-empty string)', text)
  return { kind: 'event', event, args: decode(args), ack }
}

/**
 * Parses dialect text, or `undefined` when it is not a frame (a matcher then simply does not match).
 * @example
 * tryParseFrame('hello') // undefined
 */
export function tryParseFrame(text: string): SocketIoFrame | undefined {
  if (lastText === text) return lastFrame
  try {
    return parseFrame(text)
  } catch {
    return undefined
  }
}

/**
 * What `expectEmit`/`waitFor`/`ioEvent` accept for the arguments: a plain object is a JSON subset of the
 * first argument; an array lists every argument (same count, each a JSON subset); any other JSON value
 * must equal the first argument; `undefined` accepts any arguments.
 * @example
 * const a: ArgsMatcher = { room: 'lobby' }; const b: ArgsMatcher = ['lobby', { since: 0 }]
 */
export type ArgsMatcher = JsonValue | undefined

/**
 * True when `args` (as written in the dialect: bytes as `{"$binary"}`) match `matcher`.
 * @example
 * argsMatch({ room: 'lobby' }, [{ room: 'lobby', n: 1 }, 'extra']) // true
 */
export function argsMatch(matcher: ArgsMatcher, args: readonly unknown[]): boolean {
  if (matcher === undefined) return true
  if (Array.isArray(matcher)) return matchesJsonSubset(matcher, args)
  return matchesJsonSubset(matcher, args[0])
}

/**
 * A predicate over frame texts that matches an event by name and arguments (and, with `ack`, only one
 * whose sender asks for an ack); usable as a matcher of the shared matchers and of `waitFor`.
 * @example
 * expect(io).toHaveReceivedMessage(ioEvent('chat', { text: 'hi' }))
 */
export function ioEvent(event: string, args?: ArgsMatcher, opts: { ack?: boolean } = {}): (text: string) => boolean {
  const test = (text: string): boolean => {
    const frame = tryParseFrame(text)
    if (!frame || frame.kind !== 'event' || frame.event !== event) return false
    if (opts.ack && !frame.ack) return false
    // Parsed from the text, the arguments are already in the written form (bytes as {"$binary"}).
    return argsMatch(args, frame.args)
  }
  Object.defineProperty(test, 'name', { value: `ioEvent(${JSON.stringify(event)}${args === undefined ? '' : `, ${JSON.stringify(args)}`})` })
  return test
}

/**
 * A predicate over frame texts that matches the client's ack of the server event `to` with `args`.
 * @example
 * expect(io).toHaveReceivedMessage(ioAck('ping', ['pong']))
 */
export function ioAck(to: string, args?: readonly JsonValue[]): (text: string) => boolean {
  const test = (text: string): boolean => {
    const frame = tryParseFrame(text)
    if (!frame || frame.kind !== 'ack' || frame.to !== to) return false
    return args === undefined || matchesJsonSubset(args, frame.args)
  }
  Object.defineProperty(test, 'name', { value: `ioAck(${JSON.stringify(to)}${args === undefined ? '' : `, ${JSON.stringify(args)}`})` })
  return test
}
