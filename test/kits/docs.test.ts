import { readFileSync } from 'node:fs'
import * as assertStrict from 'node:assert/strict'
import ts from 'typescript'
import * as sioClient from 'socket.io-client'
import { afterEach, describe, expect, it } from 'vitest'
import * as core from '../../src/index.js'
import * as vitestIntegration from '../../src/integrations/vitest.js'
import * as kit from '../../src/kits/socket-io/index.js'
import { watchLeaks } from '../reliability/support.js'

// Keeps docs/socket-io.md honest: every `ts` block runs as written, with 'mockforge-ws/socket.io' resolved to
// src/kits/socket-io, against a real socket.io-client; each leaves no socket, server or timer behind.
const DOC = readFileSync(new URL('../../docs/socket-io.md', import.meta.url), 'utf8')

const blocks = [...DOC.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)]
  .map((m) => ({ lang: m[1] ?? '', code: m[2] ?? '', line: DOC.slice(0, m.index).split('\n').length }))
  .filter((b) => b.lang === 'ts')

const modules: Record<string, unknown> = {
  'mockforge-ws': core,
  'mockforge-ws/socket.io': kit,
  'socket.io-client': sioClient,
  'node:assert/strict': assertStrict,
  vitest: vitestIntegration,
}

const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...args: unknown[]) => Promise<unknown>

afterEach(async () => {
  await core.closeAllMocks().catch(() => undefined)
})

describe('docs/socket-io.md', () => {
  it('has examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5)
  })
  for (const block of blocks) {
    it(`runs the example at docs/socket-io.md:${block.line}`, async () => {
      const leaks = watchLeaks()
      const { outputText } = ts.transpileModule(block.code, {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        fileName: `socket-io.md:${block.line}.ts`,
      })
      const require = (name: string): unknown => {
        const found = modules[name]
        if (!found) throw new Error(`docs/socket-io.md:${block.line} imports ${name}, which the docs test does not provide`)
        return found
      }
      await new AsyncFunction('require', 'exports', outputText)(require, {})
      expect(core.liveMockCount()).toBe(0)
      await leaks.expectNone()
    })
  }

  it('shows the failure report the acks example produces', async () => {
    const io = await kit.mockSocketIo({ strict: true, timeoutMs: 500 }).emitWithAck('ping', [1], { expect: ['pong'] })
    const client = sioClient.io(io.url, { transports: ['websocket'] })
    client.on('ping', (_n: number, ack: (reply: string) => void) => ack('PANG'))
    await vitestIntegration.vi.waitFor(() => expect(io.failures.length).toBe(1))
    client.disconnect()
    await vitestIntegration.vi.waitFor(() => expect(io.connections.length).toBe(0))
    const report = await io.close().then(
      () => '',
      (e: Error) => e.message,
    )
    const shown = DOC.slice(DOC.indexOf('```\nmockforge-ws:') + 4, DOC.indexOf('```', DOC.indexOf('```\nmockforge-ws:') + 4)).trim()
    const normalize = (text: string): string => text.replace(/\+\d+ms/g, '+Nms').replace(/ +/g, ' ')
    expect(normalize(shown)).toBe(normalize(report))
  })
})
