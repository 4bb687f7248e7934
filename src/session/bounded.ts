// The one rule every bounded list of a mock follows (transcript, connections, messages, operations): keep the
// newest `limit` items, and trim only once a tenth more has piled up, so a long soak costs one splice per
// `limit / 10` pushes instead of an O(n) shift per item.

/** Drops the oldest items of `list` once it holds more than `limit` plus a tenth; returns how many it dropped. */
export function trimOldest(list: unknown[], limit: number): number {
  if (list.length <= limit + Math.ceil(limit / 10)) return 0
  const excess = list.length - limit
  list.splice(0, excess)
  return excess
}
