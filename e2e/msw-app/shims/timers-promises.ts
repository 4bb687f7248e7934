// node:timers/promises for the browser bundle (the matchers poll with it).

/** Resolves with `value` after `ms`. */
export function setTimeout<T = void>(ms?: number, value?: T): Promise<T> {
  return new Promise((resolve) => globalThis.setTimeout(() => resolve(value as T), ms))
}
