import { mkdtemp, readFile, rm } from 'node:fs/promises'
import net from 'node:net'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_HOST } from '../../src/constants.js'
import { closeAllMocks, mockWs, resolveServeSettings } from '../../src/index.js'
import { connectClient } from '../support/client.js'
import { watchLeaks } from '../support/leaks.js'
import { rawUpgrade } from './support.js'

afterEach(() => closeAllMocks())

/** An address of this machine other than 127.0.0.1: a LAN address if there is one, else 127.0.0.2 (loopback /8 on Linux). */
function otherLocalAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) if (info.family === 'IPv4' && !info.internal) return info.address
  }
  return '127.0.0.2'
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => {
      socket.destroy()
      resolve(false)
    })
  })
}

describe('security defaults', () => {
  it('a mock binds to 127.0.0.1 only unless told otherwise', async () => {
    const leaks = watchLeaks()
    const other = otherLocalAddress()
    const ws = await mockWs()
    expect(ws.host).toBe(DEFAULT_HOST)
    expect(DEFAULT_HOST).toBe('127.0.0.1')
    expect(ws.url).toBe(`ws://127.0.0.1:${ws.port}/ws`)
    expect(await canConnect('127.0.0.1', ws.port)).toBe(true)
    expect(await canConnect(other, ws.port)).toBe(false)

    // The same check sees an exposed mock, so the refusal above is the bind address at work.
    const exposed = await mockWs({ host: '0.0.0.0' })
    expect(await canConnect(other, exposed.port)).toBe(true)
    await exposed.close()
    await ws.close()
    await leaks.expectNone()
  })

  it('the CLI and serveFromEnv default to 127.0.0.1 too', () => {
    expect(resolveServeSettings({}, {}).host).toBe('127.0.0.1')
    expect(resolveServeSettings({}, { MOCKFORGE_WS_HOST: '0.0.0.0' }).host).toBe('0.0.0.0')
  })
})

describe('proxy: only the configured upstream is ever contacted', () => {
  it('an absolute-form request target naming another server still reaches the configured upstream', async () => {
    const upstream = await mockWs({ path: '*' })
    const decoy = await mockWs({ path: '*' })
    const ws = await mockWs({ path: '*' }).proxy(upstream.url, { path: 'append' })
    const upstreamConnection = upstream.nextConnection()
    // The request line names the decoy as its target (absolute form, RFC 9112 §3.2.2).
    const raw = await rawUpgrade(ws.port, `ws://127.0.0.1:${decoy.port}/steal?x=1`)
    expect(raw.head).toMatch(/^HTTP\/1\.1 101 /)
    const conn = await upstreamConnection
    expect(conn.url).toBe('/steal?x=1')
    expect(conn.headers.host).toBe(`127.0.0.1:${upstream.port}`)
    expect(decoy.metrics.connectionsTotal).toBe(0)
    raw.destroy()
    await raw.ended
  })
})

describe('secrets never reach recordings on disk', () => {
  let dir: string | undefined
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
    dir = undefined
  })

  it('Authorization, cookies, API-key headers and query tokens are not written by record({ file })', async () => {
    dir = await mkdtemp(join(tmpdir(), 'mockforge-secrets-'))
    const file = join(dir, 'session.jsonl')
    const upstream = await mockWs()
    const ws = await mockWs().proxy(upstream.url, { record: { file } })
    const secrets = ['Bearer SECRET-AUTH-1', 'sid=SECRET-COOKIE-2', 'SECRET-KEY-3', 'SECRET-QUERY-4']
    const client = await connectClient(`${ws.url}?api_key=${secrets[3]}`, undefined, {
      headers: { authorization: secrets[0] as string, cookie: secrets[1] as string, 'x-api-key': secrets[2] as string },
    })
    client.send('hello')
    expect(await client.next()).toBe('hello')
    await client.close()
    await ws.close()
    const written = await readFile(file, 'utf8')
    expect(written).toContain('"text":"hello"')
    for (const secret of secrets) expect(written).not.toContain(secret.replace(/^Bearer /, ''))
    // The in-memory recording has no headers or URL either: only frames.
    for (const secret of secrets) expect(ws.toJSONL()).not.toContain(secret.replace(/^Bearer /, ''))
  })
})
