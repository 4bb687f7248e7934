import { spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { cliErrorMessage } from '../../src/cli/messages.js'
import { MockWsError } from '../../src/errors.js'

const ROOT = resolve(import.meta.dirname, '../..')

// The CLI as a user has it: the package's shipped files under node_modules/mockforge-ws of a project,
// run from that project's directory, so every docs path it prints can be checked against the install.
let project: string
let bin: string

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'mockforge-ws-cli-messages-'))
  const pkg = join(project, 'node_modules', 'mockforge-ws')
  mkdirSync(pkg, { recursive: true })
  for (const entry of ['dist', 'docs', 'package.json']) cpSync(join(ROOT, entry), join(pkg, entry), { recursive: true })
  // The package's own dependencies (commander, ws, …), as npm would have installed them beside it.
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'))
  bin = join(pkg, 'dist', 'cli', 'bin.js')
})

afterAll(() => rmSync(project, { recursive: true, force: true }))

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: project, env: { ...process.env, ...env }, stdio: 'pipe' })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c))
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c))
  return new Promise((done) => child.on('close', (code) => done({ code, out, err })))
}

/** Every `…docs/NAME.md` path in a text (without a `#section`). */
function docsPaths(text: string): string[] {
  return [...text.matchAll(/([\w./-]*docs\/[\w.-]+?\.md)/g)].map((m) => m[1] as string)
}

function busyServer(): Promise<http.Server> {
  const server = http.createServer()
  return new Promise((ready) => server.listen(0, '127.0.0.1', () => ready(server)))
}

const API_WORDS = /strictPort|apiKey|baseURL|provider: 'offline'|eventCount/

describe('CLI messages name the CLI flags, not the API', () => {
  test('serve and record on a busy port', async () => {
    const server = await busyServer()
    const port = (server.address() as AddressInfo).port
    try {
      const serve = await run(['serve', '--port', String(port)])
      const record = await run(['record', '--upstream', 'ws://127.0.0.1:1/', '--out', join(project, 'x.jsonl'), '--port', String(port)])
      for (const result of [serve, record]) {
        expect(result.code).toBe(1)
        expect(result.err).not.toMatch(API_WORDS)
      }
      expect(serve.err.replaceAll(String(port), 'PORT')).toMatchInlineSnapshot(`
        "mockforge-ws: Failed to start the server on 127.0.0.1:PORT: the port is already in use. Pass --port 0 to take a free port, or another --port (or MOCKFORGE_WS_PORT). See node_modules/mockforge-ws/docs/cli.md
        "
      `)
      expect(record.err).toBe(serve.err)
    } finally {
      await new Promise<void>((closed) => server.close(() => closed()))
    }
  })

  test('generate without an API key', async () => {
    const result = await run(['generate', '--narrative', 'x', '--count', '1', '--out', join(project, 'none.jsonl')], { OPENAI_API_KEY: '', OPENAI_BASE_URL: '' })
    expect(result.code).toBe(1)
    expect(result.err).not.toMatch(API_WORDS)
    expect(result.err).toMatchInlineSnapshot(`
      "mockforge-ws: Failed to generate events: no API key for --provider openai. Set OPENAI_API_KEY, pass --base-url with an OpenAI-compatible server (e.g. llama.cpp or vLLM), or use --provider offline for deterministic local events. See node_modules/mockforge-ws/docs/ai-events.md
      "
    `)
  })

  test('a bad option value names its flag', async () => {
    const result = await run(['serve', '--port', '0', '--path', 'ws'])
    expect(result.code).toBe(1)
    expect(result.err).toMatchInlineSnapshot(`
      "mockforge-ws: Failed to start mock: 1 invalid option: --path must start with "/" (or be "*" for any path) (got "ws"). Fix them, or leave them out for the defaults (node_modules/mockforge-ws/docs/fixtures.md#options).
      "
    `)
  })

  test('every docs path the CLI prints exists in the installed package', async () => {
    const server = await busyServer()
    const port = (server.address() as AddressInfo).port
    try {
      const outputs = await Promise.all([
        run(['--help']),
        run(['serve', '--port', String(port)]),
        run(['serve', '--port', '0', '--path', 'ws']),
        run(['generate', '--narrative', 'x', '--count', '1', '--out', join(project, 'none.jsonl')], { OPENAI_API_KEY: '', OPENAI_BASE_URL: '' }),
      ])
      const paths = outputs.flatMap((o) => docsPaths(o.out + o.err))
      expect(new Set(paths)).toEqual(
        new Set(['node_modules/mockforge-ws/docs/cli.md', 'node_modules/mockforge-ws/docs/fixtures.md', 'node_modules/mockforge-ws/docs/ai-events.md']),
      )
      for (const path of paths) expect(existsSync(join(project, path)), path).toBe(true)
    } finally {
      await new Promise<void>((closed) => server.close(() => closed()))
    }
  })

  test('library errors keep speaking API; only the CLI rewrites them', () => {
    const error = new MockWsError('WSM_AI', "Failed to generate events: x. Use provider: 'offline'")
    expect(error.message).toContain("provider: 'offline'")
    expect(cliErrorMessage(error, join(ROOT, 'docs'), ROOT)).toBe('Failed to generate events: x. Use --provider offline. See docs/ai-events.md')
    const bug = new TypeError('boom')
    expect(cliErrorMessage(bug, join(ROOT, 'docs'), ROOT)).toContain('TypeError: boom\n    at ')
  })
})

describe('docs/cli.md', () => {
  test('the error messages shown are the ones printed', async () => {
    const doc = readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8')
    const shown = doc.split('\n').filter((l) => l.startsWith('mockforge-ws: Failed to'))
    expect(shown).toHaveLength(3)
    const server = await busyServer()
    const port = (server.address() as AddressInfo).port
    try {
      const printed = await Promise.all([
        run(['serve', '--port', String(port)]),
        run(['generate', '--narrative', 'x', '--count', '1', '--out', join(project, 'none.jsonl')], { OPENAI_API_KEY: '', OPENAI_BASE_URL: '' }),
        run(['serve', '--port', '0', '--path', 'ws']),
      ])
      expect(printed.map((p) => p.err.trim().replace(`:${port}:`, ':3001:'))).toEqual(shown)
    } finally {
      await new Promise<void>((closed) => server.close(() => closed()))
    }
  })
})
