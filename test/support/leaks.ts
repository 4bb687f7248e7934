// The one leak checker of the test suite: what a test left behind (sockets, servers, timers), and where it was made.
import { createHook } from 'node:async_hooks'
import { expect } from 'vitest'

/** Counts of the resource kinds a mock could leak (those that would keep the process alive). */
export interface ResourceCounts {
  sockets: number
  servers: number
  timers: number
}

type Kind = keyof ResourceCounts

/** async_hooks resource types by the kind a test cares about (requests like TCPCONNECTWRAP end on their own). */
const KIND_OF_TYPE: Readonly<Record<string, Kind>> = { TCPWRAP: 'sockets', TCPSERVERWRAP: 'servers', Timeout: 'timers' }

/**
 * Longest wait for what is already closing to let go: a closed socket's handle is released a few loop turns
 * after its `close` event, and a client's socket only after the server's side is gone (generous for a busy 2-core box).
 */
export const LEAK_SETTLE_MS = 3000

/** Frames of the test runner itself: its per-test and per-hook timeout timers, and its polls, are not the test's. */
const RUNNER_FRAME = /[\\/]node_modules[\\/](@vitest|vitest|tinypool)[\\/]/

/** Frames that say nothing about who made a resource. */
const NOISE_FRAME = /\(node:|^\s*at node:|[\\/]test[\\/]support[\\/]leaks\.ts|^Error$/

/** Enough frames to get past node's timer and socket internals to the code that asked for the resource. */
const STACK_FRAMES = 25

/** How many tracked resources may pile up before the ended ones are dropped. */
const PRUNE_EVERY = 64

interface Tracked {
  kind: Kind
  resource: unknown
  stack: string
}

/** One resource made since the watch started and still alive. */
export interface LeftResource {
  kind: Kind
  /** e.g. `timer of 60000 ms`, `socket 127.0.0.1:41234 → 127.0.0.1:39001`, `server on 127.0.0.1:39001`. */
  what: string
  /** The first frame that made it outside node itself, e.g. `src/server/engine.ts:120:7`. */
  createdAt: string
}

/** Watches for leaks from one test: what is created from now on and still alive when it checks. */
export interface LeakWatch {
  /** Counts of what was created since the watch started and is still alive (the runner's own timers excluded). */
  counts(): ResourceCounts
  /** What is left, described, with where each was created. */
  left(): LeftResource[]
  /**
   * Resolves once nothing created since the watch started is alive; after `settleMs` fails the test listing what
   * is left. Sockets and servers that are closing get the loop turns they need; a timer that was pending when the
   * check started counts as left even if it fires meanwhile (it was cleared by nothing). Stops the watch either way.
   */
  expectNone(): Promise<void>
  /** Stops watching without a check. */
  stop(): void
}

/** Options of {@link watchLeaks}. */
export interface WatchLeaksOptions {
  /** How long {@link LeakWatch.expectNone} waits for closing resources to let go (default {@link LEAK_SETTLE_MS}). */
  settleMs?: number
}

/**
 * Whether the resource would keep the process alive, as `process.getActiveResourcesInfo()` counts: an `unref()`ed
 * timer or handle (node's own Date-header cache timer, a runner's timeout) does not.
 */
function holdsProcess(t: Tracked): boolean {
  const hasRef = (t.resource as { hasRef?: () => boolean }).hasRef
  return typeof hasRef === 'function' ? hasRef.call(t.resource) : true
}

function address(handle: unknown, method: 'getsockname' | 'getpeername'): string | undefined {
  const fn = (handle as Record<string, unknown>)[method]
  if (typeof fn !== 'function') return undefined
  const out: { address?: string; port?: number } = {}
  try {
    fn.call(handle, out)
  } catch {
    return undefined
  }
  return out.port === undefined ? undefined : `${out.address}:${out.port}`
}

function describeResource(t: Tracked): string {
  if (t.kind === 'timers') {
    const timer = t.resource as { _idleTimeout?: number; _repeat?: number | null }
    return `${timer._repeat ? 'interval' : 'timer'} of ${timer._idleTimeout ?? '?'} ms`
  }
  if (t.kind === 'servers') return `server on ${address(t.resource, 'getsockname') ?? '(not bound)'}`
  const local = address(t.resource, 'getsockname')
  const peer = address(t.resource, 'getpeername')
  return local || peer ? `socket ${local ?? '?'} → ${peer ?? '?'}` : 'socket (not connected)'
}

function firstFrame(stack: string): string {
  const frames = stack.split('\n').slice(1)
  return frames.find((f) => !NOISE_FRAME.test(f)) ?? ''
}

function creationFrame(stack: string): string {
  const frame = firstFrame(stack).trim().replace(/^at /, '')
  return frame === '' ? '(node itself, e.g. a connection a server accepted)' : frame.split(`${process.cwd()}/`).join('')
}

/** The JS object node reports for a handle (`net.Socket`, `net.Server`): what `process._getActiveHandles()` lists. */
function ownerOf(handle: object): unknown {
  const symbol = Object.getOwnPropertySymbols(handle).find((s) => s.description === 'owner_symbol')
  return symbol === undefined ? handle : ((handle as Record<symbol, unknown>)[symbol] ?? handle)
}

/** Whether a tracked resource is still there and would keep the process alive. */
function isAlive(t: Tracked, activeOwners: ReadonlySet<unknown>): boolean {
  if (!holdsProcess(t)) return false
  if (t.kind === 'timers') return (t.resource as { _destroyed?: boolean })._destroyed !== true
  // Node lists the owners of its ref'ed, not yet closed handles.
  return activeOwners.has(ownerOf(t.resource as object)) || activeOwners.has(t.resource)
}

function activeOwners(): Set<unknown> {
  return new Set((process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles())
}

/**
 * Starts tracking the sockets, servers and timers created from now on, so what existed before (other tests'
 * fixtures, the runner's own timers) does not count. Only an async_hooks `init` hook is installed: `destroy` or
 * `before` hooks would make every promise several times slower (they track each one), which timing tests feel.
 * @example
 * const leaks = watchLeaks(); const ws = await mockWs(); ...; await ws.close(); await leaks.expectNone()
 */
export function watchLeaks(options: WatchLeaksOptions = {}): LeakWatch {
  const settleMs = options.settleMs ?? LEAK_SETTLE_MS
  let tracked: Tracked[] = []
  const fired = new Set<Tracked>()
  const hook = createHook({
    init(_id, type, _trigger, resource) {
      const kind = KIND_OF_TYPE[type]
      if (kind === undefined) return
      const limit = Error.stackTraceLimit
      Error.stackTraceLimit = STACK_FRAMES
      const stack = new Error().stack ?? ''
      Error.stackTraceLimit = limit
      // The runner's timers are the ones it asks for itself (its frames are under every test's, so only the first counts).
      if (RUNNER_FRAME.test(firstFrame(stack))) return
      tracked.push({ kind, resource, stack })
      // Drop what has ended now and then, so a test of a thousand connections does not keep them all (and their
      // stacks) alive: the churn tests measure the heap.
      if (tracked.length >= nextPrune) {
        leftBehind()
        nextPrune = Math.max(PRUNE_EVERY, tracked.length * 2)
      }
    },
  }).enable()
  let nextPrune = PRUNE_EVERY
  const leftBehind = (): Tracked[] => {
    const owners = activeOwners()
    tracked = tracked.filter((t) => fired.has(t) || isAlive(t, owners))
    return tracked
  }
  /** A timer still pending when the check starts that fires while it settles was left behind all the same. */
  const markFiring = (): void => {
    for (const t of leftBehind()) {
      if (t.kind !== 'timers') continue
      const timer = t.resource as { _onTimeout: (...args: unknown[]) => unknown }
      const onTimeout = timer._onTimeout
      timer._onTimeout = function (this: unknown, ...args: unknown[]) {
        fired.add(t)
        return onTimeout.apply(this, args)
      }
    }
  }
  const counts = (): ResourceCounts => {
    const c: ResourceCounts = { sockets: 0, servers: 0, timers: 0 }
    for (const t of leftBehind()) c[t.kind]++
    return c
  }
  const left = (): LeftResource[] =>
    leftBehind().map((t) => ({
      kind: t.kind,
      what: `${describeResource(t)}${fired.has(t) ? ' (fired while the check settled)' : ''}`,
      createdAt: creationFrame(t.stack),
    }))
  return {
    counts,
    left,
    async expectNone() {
      const deadline = performance.now() + settleMs
      hook.disable()
      markFiring()
      // setImmediate, not a timer or vi.waitFor, so the wait itself creates nothing to track.
      while (leftBehind().length > 0 && performance.now() < deadline) await new Promise((resolve) => setImmediate(resolve))
      const report = left().map((r) => `${r.what}, created at ${r.createdAt}`)
      expect(counts(), `left after ${settleMs} ms of settling:\n${report.join('\n')}`).toEqual({ sockets: 0, servers: 0, timers: 0 })
    },
    stop() {
      hook.disable()
    },
  }
}

/** Resources that would keep the process alive (sockets, servers, timers), by type, process-wide. */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1
  return counts
}

/**
 * Process-wide counts of the resource kinds a mock could leak, whoever made them (prefer {@link watchLeaks},
 * which only counts what a test made).
 * @example
 * expect(leakableResources().servers).toBe(0)
 */
export function leakableResources(): ResourceCounts {
  const r = activeResources()
  return { sockets: r.TCPSocketWrap ?? 0, servers: r.TCPServerWrap ?? 0, timers: r.Timeout ?? 0 }
}
