import { execFileSync } from 'node:child_process'
import { existsSync, statSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs)
  }
  return newest
}

/** CLI and package tests run the built `dist/`; build it when it is missing or older than `src/`. */
export default function setup(): void {
  const bin = 'dist/cli/bin.js'
  if (existsSync(bin) && statSync(bin).mtimeMs >= newestMtime('src')) return
  execFileSync('npx', ['tsup', '--silent'], { stdio: 'inherit' })
}
