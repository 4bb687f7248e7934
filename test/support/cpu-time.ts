/**
 * CPU time this process spent since `start` (a `process.cpuUsage()` reading), in ms: what a hang or a blow-up
 * burns, whereas wall time also counts the time a loaded machine leaves the process waiting for a core. Vitest
 * runs each test file in a fork of its own, so the figure is that file's alone.
 * @example
 * const start = process.cpuUsage(); parse(text); expect(cpuMsSince(start)).toBeLessThan(250)
 */
export function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 1000
}
