// A user's project under os.tmpdir() with the packed tarball of this package installed the way npm lays it out:
// the package's own files in node_modules/mockforge-ws, its dependencies beside it, and no @types but @types/node.
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const repo = resolve(import.meta.dirname, '../..')
const repoModules = join(repo, 'node_modules')

/** What `npm pack --json` reports about the tarball. */
export interface PackResult {
  filename: string
  files: { path: string }[]
}

/** A temporary project with the packed package installed. */
export interface UserProject {
  dir: string
  pack: PackResult
  /** Writes a file of the project (path relative to it). */
  write(path: string, text: string): Promise<void>
  /** Runs this repository's `tsc -p <tsconfig>` in the project; resolves with its exit code and output. */
  tsc(tsconfig: string): Promise<{ code: number; output: string }>
  /** Runs `node -e <script>` in the project. */
  node(script: string): Promise<{ code: number; stdout: string; stderr: string }>
  remove(): Promise<void>
}

/**
 * Packs the package as `npm publish` would (from the current dist/, without rebuilding) and installs it into a new
 * project; dependencies are links into this repository's node_modules, except every `@types` package but
 * `@types/node`, so that a declaration needing `@types/ws` fails as it would for a user without it.
 */
export async function createUserProject(): Promise<UserProject> {
  const dir = await mkdtemp(join(tmpdir(), 'mockforge-user-'))
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: repo })
  const pack = (JSON.parse(stdout) as PackResult[])[0]!
  const modules = join(dir, 'node_modules')
  const installed = join(modules, 'mockforge-ws')
  await mkdir(installed, { recursive: true })
  await run('tar', ['-xzf', join(dir, pack.filename), '-C', installed, '--strip-components=1'])
  for (const name of await readdir(repoModules)) {
    if (name === '@types' || name === '.bin' || name === 'mockforge-ws' || name.startsWith('.')) continue
    await symlink(join(repoModules, name), join(modules, name))
  }
  await mkdir(join(modules, '@types'))
  await symlink(join(repoModules, '@types/node'), join(modules, '@types/node'))
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }))
  const tscBin = join(repoModules, 'typescript/bin/tsc')
  const exec = async (file: string, args: string[]) => {
    try {
      const r = await run(file, args, { cwd: dir, timeout: 120_000 })
      return { code: 0, stdout: r.stdout, stderr: r.stderr }
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string }
      return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
    }
  }
  return {
    dir,
    pack,
    write: (path, text) => writeFile(join(dir, path), text),
    tsc: async (tsconfig) => {
      const r = await exec(process.execPath, [tscBin, '-p', tsconfig])
      return { code: r.code, output: r.stdout + r.stderr }
    },
    node: (script) => exec(process.execPath, ['-e', script]),
    remove: () => rm(dir, { recursive: true, force: true }),
  }
}
