// What a dist entry loads before anything is used: the files its static imports (ESM `import`, CJS top-level
// `require`) reach, their size, and the src/ modules compiled into them (read from the source maps). Dynamic
// `import()` — the features the builder loads on first use — is not followed.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

const STATIC_IMPORT = /(?:\bfrom |^import |^(?:var \w+ = )?require\()["'](\.\.?\/[^"']+)["']/gm

/** The src/ files (relative to src/) compiled into a dist file, from its source map. */
export function sourcesOf(file) {
  if (!existsSync(`${file}.map`)) return []
  return JSON.parse(readFileSync(`${file}.map`, 'utf8')).sources.flatMap((s) => /(?:^|\/)src\/(.+)$/.exec(s)?.[1] ?? [])
}

/** `{ files, bytes, sources }` of the static import closure of `entry` (a path), itself included. */
export function staticClosure(entry) {
  const files = new Set()
  let bytes = 0
  const visit = (file) => {
    if (files.has(file)) return
    files.add(file)
    const text = readFileSync(file, 'utf8')
    bytes += Buffer.byteLength(text)
    for (const m of text.matchAll(STATIC_IMPORT)) visit(join(dirname(file), m[1]))
  }
  visit(entry)
  return { files: files.size, bytes, sources: [...files].flatMap(sourcesOf) }
}
