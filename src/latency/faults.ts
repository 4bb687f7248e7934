import type { IncomingMessage } from 'node:http'
import { MockWsError } from '../errors.js'
import { showValue } from '../session/describe.js'
import { setLongTimeout } from '../server/long-timeout.js'
import type { FrameDropper } from '../session/session.js'
import type { UpgradeDecision, UpgradeGate } from '../server/upgrade.js'
import { createRandom } from '../template/random.js'
import { deriveSeed } from '../session/seed.js'

/** Mixed into derived seeds so a connection's drop draws never repeat its latency draws. */
const DROPPER_STREAM_SALT = 0x6d2b79f5
/** HTTP statuses `failHandshake` accepts: the client and server error ranges. */
const MIN_FAIL_STATUS = 400
const MAX_FAIL_STATUS = 599
const ACCEPT: UpgradeDecision = { accept: true }

/**
 * Options of the handshake faults (`failHandshake`, `slowHandshake`).
 * @example
 * await mockWs().failHandshake(503, { times: 2 }) // the first two handshakes fail, later ones succeed
 */
export interface HandshakeFaultOptions {
  /** Only the first `times` handshakes are affected (default: every handshake). */
  times?: number
}

/**
 * Options of `dropMessages`.
 * @example
 * await mockWs({ seed: 1 }).dropMessages(0.2, { seed: 7 })
 */
export interface DropMessagesOptions {
  /** Makes which messages are lost reproducible (default: the mock's `seed`). */
  seed?: number
}

function configError(call: string, cause: string, hint: string): MockWsError {
  return new MockWsError('WSM_CONFIG', `Failed to configure ${call}: ${cause}. ${hint}`)
}

function checkTimes(call: string, options: HandshakeFaultOptions): number {
  const times = options.times
  if (times === undefined) return Infinity
  if (typeof times !== 'number' || !Number.isInteger(times) || times < 1) {
    throw configError(call, `times must be a whole number >= 1, got ${showValue(times)}`, 'Leave times out to affect every handshake.')
  }
  return times
}

/**
 * Loses server→client messages at random with a fixed probability, one seeded stream per connection,
 * so with a seed the same messages are lost on every run.
 * @example
 * const dropper = new MessageDropper(0.1, { seed: 42 })
 * const lose = dropper.createFilter(); if (!lose()) socket.send(text)
 */
export class MessageDropper implements FrameDropper {
  /** Chance that each message is lost, from 0 to 1. */
  readonly probability: number
  /** The seed, when the losses are reproducible. */
  readonly seed: number | undefined
  #filters = 0

  /**
   * Validates the probability (0 to 1) and the seed up front.
   * @example
   * new MessageDropper(0.25)
   */
  constructor(probability: number, options: DropMessagesOptions = {}) {
    const call = `dropMessages(${showValue(probability)})`
    if (typeof probability !== 'number' || !(probability >= 0 && probability <= 1)) {
      throw configError(call, `the probability must be a number from 0 to 1, got ${showValue(probability)}`, 'Pass for example dropMessages(0.1) to lose about one message in ten.')
    }
    const seed = options.seed
    if (seed !== undefined && (typeof seed !== 'number' || !Number.isFinite(seed))) {
      throw configError(call, `seed must be a finite number, got ${showValue(seed)}`, 'Pass a number such as 42, or no seed.')
    }
    this.probability = probability
    this.seed = seed
  }

  /**
   * Creates the filter of one connection: each call says whether the next message is lost.
   * With a seed, the n-th filter created always loses the same messages.
   * @example
   * const lose = new MessageDropper(1).createFilter(); lose() // true
   */
  createFilter(): () => boolean {
    const index = this.#filters++
    const random = this.seed === undefined ? createRandom() : createRandom((deriveSeed(this.seed, index) ^ DROPPER_STREAM_SALT) >>> 0)
    const probability = this.probability
    return () => random.next() < probability
  }
}

/**
 * An upgrade gate that refuses handshakes with an HTTP status (the first `times` of them, or all).
 * @example
 * router({ engine: { gates: [failHandshakeGate(503, { times: 1 })] } })
 */
export function failHandshakeGate(status: number, options: HandshakeFaultOptions = {}): UpgradeGate {
  const call = `failHandshake(${showValue(status)})`
  if (typeof status !== 'number' || !Number.isInteger(status) || status < MIN_FAIL_STATUS || status > MAX_FAIL_STATUS) {
    throw configError(call, `the status must be an HTTP error status from ${MIN_FAIL_STATUS} to ${MAX_FAIL_STATUS}, got ${showValue(status)}`, 'Pass for example failHandshake(503) or failHandshake(401).')
  }
  let left = checkTimes(call, options)
  return () => {
    if (left <= 0) return ACCEPT
    left--
    return { accept: false, status, message: `mockforge-ws: handshake refused by failHandshake(${status})` }
  }
}

/**
 * An upgrade gate that holds handshakes for `ms` before letting them through (the first `times`
 * of them, or all). The timer is cleared as soon as the client gives up or the server closes.
 * @example
 * router({ engine: { gates: [slowHandshakeGate(2000)] } })
 */
export function slowHandshakeGate(ms: number, options: HandshakeFaultOptions = {}): UpgradeGate {
  const call = `slowHandshake(${showValue(ms)})`
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw configError(call, `ms must be a finite number >= 0, got ${showValue(ms)}`, 'Pass the delay in milliseconds, e.g. slowHandshake(2000).')
  }
  let left = checkTimes(call, options)
  return (request: IncomingMessage, engine) => {
    if (left <= 0) return ACCEPT
    left--
    const socket = request.socket
    if (socket.destroyed) return ACCEPT
    return new Promise<UpgradeDecision>((resolve) => {
      // The engine destroys the sockets of pending upgrades when it closes, and a client that gives
      // up closes its own: either way the socket closes, and the timer must not outlive it.
      const done = (): void => {
        timer.clear()
        socket.off('close', done)
        resolve(ACCEPT)
      }
      const timer = setLongTimeout(done, ms, engine.clock)
      socket.once('close', done)
    })
  }
}

/** Checks a connection limit (a whole number >= 0) and returns it. */
export function checkMaxConnections(limit: number): number {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) {
    throw configError(`maxConnections(${showValue(limit)})`, `the limit must be a whole number >= 0, got ${showValue(limit)}`, 'Pass for example maxConnections(2).')
  }
  return limit
}
