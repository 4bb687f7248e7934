// Writing bench/results/<name>.json with the same envelope for every bench, so bench/run.mjs
// can merge them and print one summary.
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url))

/** The module the benches measure: dist/ unless MOCKFORGE_WS_BENCH_ENTRY names another build. */
export const ENTRY = process.env.MOCKFORGE_WS_BENCH_ENTRY ?? new URL('../../dist/index.js', import.meta.url).href

/** Imports the library under test, failing with a hint when it was not built. */
export async function loadLibrary(benchName) {
  try {
    return await import(ENTRY)
  } catch (error) {
    throw new Error(`Failed to run the ${benchName} bench: cannot import ${ENTRY} (${error.message}). Run \`npx tsup\` (or \`npm run bench\`) first.`, { cause: error })
  }
}

/** CPU, memory, OS and Node version of this machine, recorded with every result. */
export function machineInfo() {
  const cpus = os.cpus()
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    cpus: cpus.length,
    memoryGiB: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
  }
}

/**
 * Writes `bench/results/<name>.json`. `summary` rows are what bench/run.mjs prints: one line per
 * headline figure with its baseline, the ratio and the target it is held to.
 * @param {string} name
 * @param {{ summary: SummaryRow[], [key: string]: unknown }} data
 *
 * @typedef {object} SummaryRow
 * @property {string} metric      what was measured, e.g. "lifecycle: mockWs() vs raw ws"
 * @property {string} value       the subject's figure, formatted (e.g. "1.92 ms")
 * @property {string} baseline    the baseline's figure, formatted
 * @property {number} ratio       subject / baseline (time: lower is better; rate: higher)
 * @property {string} [target]    the goal, e.g. "≤ 1.30×"
 * @property {boolean} [met]      whether the goal is met (undefined: no goal)
 */
export function writeResults(name, data) {
  mkdirSync(RESULTS_DIR, { recursive: true })
  const file = `${RESULTS_DIR}${name}.json`
  const report = { bench: name, date: new Date().toISOString(), machine: machineInfo(), entry: ENTRY, ...data }
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`)
  console.log(`wrote ${file}`)
  return file
}

/** Reads a positive number from the environment, or the default. */
export function envNumber(name, fallback) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`Failed to read ${name}: "${raw}" is not a positive number.`)
  return n
}
