import { afterEach, describe, expect, test } from 'vitest'
import { createProgram } from '../../src/cli/program.js'
import { parseLatencyName, startServe } from '../../src/cli/serve.js'
import { LatencyProfile } from '../../src/latency/profile.js'
import { closeAllMocks } from '../../src/server/mock-ws.js'
import { connectClient } from '../support/client.js'
import { useCli } from '../support/cli.js'

afterEach(async () => {
  await closeAllMocks()
})
const start = useCli()

function captureIo(): { out: string[]; err: string[]; io: { out(l: string): void; err(l: string): void } } {
  const out: string[] = []
  const err: string[] = []
  return { out, err, io: { out: (l) => out.push(l), err: (l) => err.push(l) } }
}

async function echoDelay(url: string): Promise<number> {
  const client = await connectClient(url)
  const sentAt = performance.now()
  client.send('ping')
  await client.next()
  const delay = performance.now() - sentAt
  await client.close()
  return delay
}

describe('serve --latency', () => {
  test('accepts every preset name, in any case', () => {
    for (const name of LatencyProfile.names) {
      expect(parseLatencyName(name)).toBe(name)
      expect(parseLatencyName(` ${name.toUpperCase()} `)).toBe(name)
    }
  })

  test('an unknown name is a usage error that lists the presets', async () => {
    const { io } = captureIo()
    const program = createProgram(io)
    let usage = ''
    for (const command of [program, ...program.commands]) {
      command.exitOverride().configureOutput({ writeErr: (s) => (usage += s), writeOut: () => {} })
    }
    await expect(program.parseAsync(['serve', '--port', '0', '--latency', 'lte'], { from: 'user' })).rejects.toMatchObject({ exitCode: 1 })
    expect(usage.split('\n')[0]).toMatchInlineSnapshot(
      `"error: option '--latency <name>' argument 'lte' is invalid. unknown latency profile; use one of fast, normal, slow, 5g, 4g, 3g, 2g, edge, satellite, congested"`,
    )
  })

  test('the server it starts delays its echo by the preset and says so', async () => {
    const { out, io } = captureIo()
    const mock = await startServe({ port: 0, latency: 'normal' }, io, {})
    expect(out[0]).toBe(`mockforge-ws listening on ${mock.url} (echo, latency normal)`)
    const delay = await echoDelay(mock.url)
    expect(delay).toBeGreaterThanOrEqual(LatencyProfile.normal().minMs - 1)
    expect(delay).toBeLessThanOrEqual(LatencyProfile.normal().maxMs + 150)
  })

  test('the built binary takes the flag and rejects a bad name with exit code 1', async () => {
    const bad = start(['serve', '--port', '0', '--latency', 'lte'])
    expect(await bad.exited).toBe(1)
    expect(bad.stderr()).toContain('unknown latency profile; use one of fast, normal, slow, 5g, 4g, 3g, 2g, edge, satellite, congested')

    const good = start(['serve', '--port', '0', '--latency', '4G'])
    const url = /listening on (ws:\/\/\S+) \(echo, latency 4g\)/.exec(await good.line())?.[1]
    expect(url).toBeDefined()
    const delay = await echoDelay(url as string)
    expect(delay).toBeGreaterThanOrEqual(LatencyProfile.byName('4g').minMs - 1)
    good.child.kill('SIGTERM')
    expect(await good.exited).toBe(0)
  })
})
