import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, test } from 'vitest'
import { importGraph } from '../support/import-graph.js'

// What a plain `import('mockforge-ws')` must not load: each costs import time in every test worker
// (regexpp alone was about a third of the core's import time). They load on first use.
const LAZY = ['@eslint-community/regexpp', 'ajv', 'ajv-formats', 'commander', 'get-port', 'prom-client', '@opentelemetry/api', 'uuid', 'tdigest', 'bintrees']
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const ENTRY = pathToFileURL(join(ROOT, 'dist/index.js')).href
const HOOK = pathToFileURL(join(ROOT, 'test/package/loaded-packages-hook.mjs')).href

function packageOf(path: string): string | undefined {
  const match = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(path)
  return match?.[1]?.replace(/\\/g, '/')
}

/**
 * File URLs a fresh ESM process loaded (through the ESM loader or `require`) after importing `entry` as `core`
 * and running `body`: at the end (`end`), and at each `await checkpoint(name)` of the body.
 */
function filesLoadedBy(body: string, entry = ENTRY): Record<string, string[]> {
  const script = `
    import { createRequire, register } from 'node:module'
    import { MessageChannel } from 'node:worker_threads'
    const { port1, port2 } = new MessageChannel()
    const urls = []
    port1.on('message', (url) => urls.push(url))
    register(${JSON.stringify(HOOK)}, { data: { port: port2 }, transferList: [port2] })
    const core = await import(${JSON.stringify(entry)})
    const loaded = async () => {
      // Let the hook thread's last messages arrive.
      await new Promise((resolve) => setImmediate(resolve))
      return [...urls, ...Object.keys(createRequire(import.meta.url).cache).map((file) => 'file://' + file)]
    }
    const checkpoints = {}
    const checkpoint = async (name) => { checkpoints[name] = await loaded() }
    ${body}
    await checkpoint('end')
    port1.close()
    process.stdout.write(JSON.stringify(checkpoints))
  `
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' })) as Record<string, string[]>
}

/** Packages loaded by importing the core's ESM build and running `body` (with `core` in scope). */
function packagesLoadedBy(body: string): string[] {
  const files = (filesLoadedBy(body).end ?? []).map((url) => url.replace(/^file:\/\//, ''))
  return [...new Set(files.map(packageOf).filter((p): p is string => p !== undefined))].sort()
}

describe('a plain import of the core (ESM build)', () => {
  test('loads ws and none of the lazily used packages', () => {
    const loaded = packagesLoadedBy('')
    expect(loaded).toContain('ws')
    expect(loaded.filter((p) => LAZY.includes(p))).toEqual([])
  })

  test('a mock started on port 0, used and closed, loads none of them either', () => {
    const loaded = packagesLoadedBy(`
      const ws = await core.mockWs()
      await ws.close()
      core.parseReplay('{"ts":0,"dir":"out","text":"hi","waitFor":"^hello$"}')
    `)
    expect(loaded.filter((p) => LAZY.includes(p))).toEqual([])
  })

  test('regexpp loads when a replay regex needs the backtracking check, and only then', () => {
    const loaded = packagesLoadedBy(`core.parseReplay('{"ts":0,"dir":"out","text":"hi","waitFor":"^[a-z]+$"}')`)
    expect(loaded).toContain('@eslint-community/regexpp')
    expect(loaded).not.toContain('ajv')
  })

  test('a hazardous regex is still refused after the lazy load', () => {
    const loaded = packagesLoadedBy(`
      let message = ''
      try { core.parseReplay('{"ts":0,"dir":"out","text":"hi","waitFor":"(a+)+$"}') } catch (error) { message = error.message }
      if (!/backtrack/.test(message)) throw new Error('expected a backtracking error, got: ' + message)
    `)
    expect(loaded).toContain('@eslint-community/regexpp')
  })
})

// The implementations behind the builder's feature methods: `mockWs()` (and the test-runner fixtures, which
// reach the builder without the core's index) load them through their plugins' dynamic import() when a mock
// using the feature starts. Their option checks stay in the static graph, so bad options still throw at the call.
const FEATURES = ['ai/run-on-connection.ts', 'ai/generator.ts', 'ai/openai-source.ts', 'ai/offline.ts', 'proxy/proxy-handler.ts', 'proxy/forward.ts', 'proxy/upstream.ts', 'asyncapi/load.ts', 'asyncapi/schema.ts']
const DIST = join(ROOT, 'dist')

/** The src/ files (relative to src/) compiled into a dist file, from its source map. */
function sourcesOf(file: string): string[] {
  const map = `${file}.map`
  if (!existsSync(map)) return []
  const { sources } = JSON.parse(readFileSync(map, 'utf8')) as { sources: string[] }
  return sources.flatMap((s) => /(?:^|\/)src\/(.+)$/.exec(s)?.[1] ?? [])
}

/** The dist files a dist entry loads statically (ESM `import`, CJS top-level `require`), itself included. */
function staticChunks(entry: string): string[] {
  const seen = new Set<string>()
  const visit = (file: string): void => {
    if (seen.has(file)) return
    seen.add(file)
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(/(?:\bfrom |^import |^var \w+ = require\()["'](\.\.?\/[^"']+)["']/gm)) visit(join(dirname(file), m[1]!))
  }
  visit(join(DIST, entry))
  return [...seen]
}

describe("the builder's feature methods load their implementation on first use", () => {
  test('no feature implementation is in the static import graph of src/server/builder.ts', () => {
    const { edges } = importGraph(join(ROOT, 'src'))
    const closure = new Set(['server/builder.ts'])
    for (const file of closure) for (const e of edges) if (e.from === file && e.kind === 'static') closure.add(e.to)
    expect(FEATURES.filter((f) => closure.has(f))).toEqual([])
    // The plugins do reach them, lazily.
    const dynamic = edges.filter((e) => e.kind === 'dynamic' && e.from.endsWith('/plugin.ts')).map((e) => e.to)
    expect(dynamic).toEqual(expect.arrayContaining(['ai/run-on-connection.ts', 'proxy/proxy-handler.ts', 'asyncapi/load.ts', 'asyncapi/schema.ts']))
  })

  test.each(['integrations/vitest.js', 'integrations/vitest.cjs'])('tsup emits them as chunks that %s does not load statically', (entry) => {
    const loaded = staticChunks(entry).flatMap(sourcesOf)
    expect(loaded).toContain('server/builder.ts')
    expect(FEATURES.filter((f) => loaded.includes(f))).toEqual([])
    const ext = entry.endsWith('.cjs') ? '.cjs' : '.js'
    const emitted = readdirSync(DIST).filter((f) => f.endsWith(ext)).flatMap((f) => sourcesOf(join(DIST, f)))
    expect(FEATURES.filter((f) => !emitted.includes(f))).toEqual([])
  })

  test('a mock using .ai() and one using .proxy() load them when they start, and work', () => {
    const builderChunk = readdirSync(DIST).find((f) => f.endsWith('.js') && sourcesOf(join(DIST, f)).includes('server/builder.ts'))
    expect(builderChunk).toBeDefined()
    const { started, end } = filesLoadedBy(
      `
      const { default: WebSocket } = await import('ws')
      const firstMessage = (url, send) => new Promise((resolve, reject) => {
        const client = new WebSocket(url)
        client.on('open', () => send && client.send(send))
        client.on('message', (data) => { client.close(); resolve(String(data)) })
        client.on('error', reject)
      })
      const echo = await core.mockWs()
      await checkpoint('started')
      const ai = await core.mockWs().ai({ enabled: true, replay: { narrative: 'Trades', provider: 'offline', eventCount: 1 }, maxEvents: 1 })
      const event = JSON.parse(await firstMessage(ai.url))
      if (event.sequence === undefined) throw new Error('expected an AI event frame, got ' + JSON.stringify(event))
      const proxy = await core.mockWs().proxy(echo.url)
      const echoed = await firstMessage(proxy.url, 'through the proxy')
      if (echoed !== 'through the proxy') throw new Error('expected the echo through the proxy, got ' + echoed)
      await Promise.all([ai.close(), proxy.close(), echo.close()])
    `,
      pathToFileURL(join(DIST, builderChunk!)).href,
    )
    const sources = (urls: string[] | undefined): string[] => (urls ?? []).flatMap((url) => sourcesOf(fileURLToPath(url)))
    // An echo mock started: none of them yet. After an AI mock and a proxy mock: theirs, but not AsyncAPI's.
    expect(FEATURES.filter((f) => sources(started).includes(f))).toEqual([])
    expect(FEATURES.filter((f) => sources(end).includes(f))).toEqual(FEATURES.filter((f) => !f.startsWith('asyncapi/')))
  })
})
