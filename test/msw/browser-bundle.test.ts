// The MSW path bundles for a browser as it is: esbuild with platform 'browser', no plugins, no shims, no polyfills
// (issue #15: "the MSW path bundles for the browser without shims"). Both the sources and the built dist/ are bundled.
import { build, type Message } from 'esbuild'
import { describe, expect, test } from 'vitest'

/**
 * Node-only globals. esbuild's `define` replaces free references to them (never `globalThis.Buffer`, a property, or a
 * word in a string), so a marker in the output shows exactly the code that would throw a ReferenceError in a browser.
 */
const NODE_GLOBALS = ['Buffer', 'process', 'setImmediate', 'clearImmediate', 'global', '__dirname', '__filename', 'require'] as const
const marker = (name: string): string => `__node_global_${name}__`

interface BrowserBundle {
  errors: string[]
  text: string
  inputs: string[]
}

async function bundleForBrowser(entry: string): Promise<BrowserBundle> {
  try {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'chrome120',
      external: ['msw'],
      define: Object.fromEntries(NODE_GLOBALS.map((name) => [name, marker(name)])),
      metafile: true,
      logLevel: 'silent',
    })
    return { errors: [], text: result.outputFiles.map((f) => f.text).join('\n'), inputs: Object.keys(result.metafile.inputs) }
  } catch (error) {
    const messages = (error as { errors?: Message[] }).errors
    if (!messages) throw error
    return { errors: messages.map((m) => `${m.location ? `${m.location.file}:${m.location.line}: ` : ''}${m.text}`), text: '', inputs: [] }
  }
}

/** The Node-only globals the bundle still refers to, each with a little of the code around it. */
function nodeGlobalsIn(text: string): string[] {
  const found: string[] = []
  for (const name of NODE_GLOBALS) {
    for (const hit of text.matchAll(new RegExp(marker(name), 'g'))) {
      found.push(`${name}: …${text.slice(Math.max(0, hit.index - 60), hit.index + marker(name).length + 40).replaceAll('\n', ' ')}…`)
    }
  }
  return found
}

describe.each([
  ['the sources', 'src/integrations/msw.ts'],
  ['the built package', 'dist/integrations/msw.js'],
])('mockforge-ws/msw (%s) bundled for the browser without shims', (_, entry) => {
  test('builds, with no node:* module and no Node-only global in the output', async () => {
    const bundle = await bundleForBrowser(entry)
    expect(bundle.errors).toEqual([])
    expect(bundle.text).not.toMatch(/require\(["']node:/)
    expect(bundle.text).not.toMatch(/\bfrom\s*["']node:/)
    expect(bundle.text).not.toMatch(/import\(\s*["']node:/)
    expect(nodeGlobalsIn(bundle.text)).toEqual([])
    // msw itself stays the user's (external), and the bundle is the real adapter, not an empty shell.
    expect(bundle.text).toMatch(/\bfrom\s*["']msw["']/)
    expect(bundle.text).toContain('toMswHandler')
  }, 60_000)
})

test('the marker check finds a Node global when there is one', async () => {
  // A bundle of a file that does use Buffer and process, so an empty list above is evidence.
  const bundle = await bundleForBrowser('test/msw/support/uses-node-globals.ts')
  expect(bundle.errors).toEqual([])
  expect(nodeGlobalsIn(bundle.text).map((hit) => hit.split(':')[0])).toEqual(['Buffer', 'process'])
})
