import { afterEach, describe, expect, it, vi } from 'vitest'
import { closeAllMocks, mockWs, Scenario, ScenarioFailureError } from '../../src/index.js'
import type { MockWs, ScenarioFailure, TranscriptFrame } from '../../src/index.js'
import { connectClient } from '../support/client.js'
import { watchLeaks } from '../support/leaks.js'
import type { TestClient } from '../support/client.js'

afterEach(async () => {
  await closeAllMocks().catch(() => undefined)
})

/** A frame without its timing, binary as hex: what must be equal across two plays. */
function shape(frames: readonly TranscriptFrame[]): unknown[] {
  return frames.map((f) => ({
    connection: f.connection,
    dir: f.dir,
    ...(f.text !== undefined ? { text: f.text } : {}),
    ...(f.binary ? { binary: Buffer.from(f.binary).toString('hex') } : {}),
    ...(f.close ? { close: f.close } : {}),
  }))
}

function failureShape(failures: readonly ScenarioFailure[]): unknown[] {
  return failures.map((f) => ({ kind: f.kind, connection: f.connection, step: f.step, actual: f.actual }))
}

const chat = (): Scenario =>
  new Scenario()
    .waitFor(/^CLIENT_READY$/)
    .send('{"type":"welcome","n":{{seq}}}')
    .expect({ type: 'subscribe', channel: 'prices' })
    .send('{"type":"subscribed"}')
    .delay(20)
    .send(Uint8Array.from([1, 2, 3]))
    .expect('ping')
    .send('pong')
    .close(4000, 'bye')

/** The client side of `chat`, with some noise the waitFor must skip. */
async function chatClient(ws: MockWs): Promise<{ received: (string | Buffer)[]; closed: { code: number; reason: string } }> {
  const client = await connectClient(ws.url)
  client.send('noise before ready')
  client.send('CLIENT_READY')
  const welcome = await client.next()
  client.send('{"x":1,"channel":"prices","type":"subscribe"}')
  const subscribed = await client.next()
  const binary = await client.next()
  client.send('ping')
  const pong = await client.next()
  const closed = await client.closed
  return { received: [welcome, subscribed, binary, pong], closed }
}

async function play(build: () => ReturnType<typeof mockWs>, drive: (ws: MockWs) => Promise<unknown>): Promise<{ result: unknown; transcript: unknown[]; failures: unknown[] }> {
  const ws = await build()
  const result = await drive(ws)
  // Let the server record the close it saw before comparing transcripts.
  await vi.waitFor(() => expect(ws.connections).toHaveLength(0))
  const transcript = shape(ws.transcript)
  const failures = failureShape(ws.failures)
  await ws.close()
  return { result, transcript, failures }
}

describe('a Scenario and its JSONL form play identically', () => {
  it('over a real ws client: same frames, same order, no failures', async () => {
    const s = chat()
    const fromScenario = await play(() => mockWs().scenario(s), chatClient)
    const fromJsonl = await play(() => mockWs().replay(s.toJSONL()), chatClient)
    const fromRoundTrip = await play(() => mockWs().scenario(Scenario.fromReplay(s.toJSONL())), chatClient)
    expect(fromScenario.result).toEqual({
      received: ['{"type":"welcome","n":1}', '{"type":"subscribed"}', Buffer.from([1, 2, 3]), 'pong'],
      closed: { code: 4000, reason: 'bye' },
    })
    expect(fromScenario.failures).toEqual([])
    expect(fromJsonl).toEqual(fromScenario)
    expect(fromRoundTrip).toEqual(fromScenario)
  })

  it('records the same failures when the client misbehaves', async () => {
    const s = new Scenario().send('hello').expect({ type: 'subscribe' }).send('ok').expect('ping', { timeoutMs: 300 })
    const drive = async (ws: MockWs): Promise<unknown> => {
      const client = await connectClient(ws.url)
      const hello = await client.next()
      client.send('{"type":"unsubscribe"}')
      client.send('{"type":"subscribe"}')
      const ok = await client.next()
      // Nothing is sent for the last expect: it times out.
      await vi.waitFor(() => expect(ws.failures.length).toBe(2), { timeout: 3000 })
      await client.close()
      return [hello, ok]
    }
    const fromScenario = await play(() => mockWs().scenario(s), drive)
    const fromJsonl = await play(() => mockWs().replay(s.toJSONL()), drive)
    expect(fromScenario.failures).toEqual([
      { kind: 'unexpected-message', connection: 1, step: 2, actual: '"{\\"type\\":\\"unsubscribe\\"}"' },
      { kind: 'wait-timeout', connection: 1, step: 4, actual: '(nothing matching)' },
    ])
    expect(fromJsonl).toEqual(fromScenario)
  })

  it('keeps the gaps of delay() in both forms', async () => {
    const gapMs = 150
    const s = new Scenario().send('a').delay(gapMs).send('b').close()
    const drive = async (ws: MockWs): Promise<number> => {
      const client = await connectClient(ws.url)
      await client.next()
      await client.next()
      await client.closed
      // When the server sent "b", from the connection's start (file time 0): the contract's anchor. The client's
      // arrival gap is not used: a late delivery of "a" on a loaded machine shortens it.
      return ws.sent.find((f) => f.connection === 1 && f.text === 'b')?.ts ?? 0
    }
    for (const build of [() => mockWs().scenario(s), () => mockWs().replay(s.toJSONL())]) {
      const { result } = await play(build, drive)
      // Timers never fire early (1 ms of rounding), and late on a busy 2-core machine.
      expect(result as number).toBeGreaterThanOrEqual(gapMs - 1)
      expect(result as number).toBeLessThan(gapMs + 1000)
    }
  })
})

describe('in-memory matchers', () => {
  it('plays predicates and flagged regexes that have no file form', async () => {
    const isHello = (_text: string, parsed?: unknown): boolean => (parsed as { hello?: unknown } | undefined)?.hello === true
    const s = new Scenario().expect(isHello).send('hi').expect(/^BYE$/i).close()
    expect(() => s.toReplay()).toThrow(/cannot be serialized/)
    const ws = await mockWs().scenario(s)
    const client = await connectClient(ws.url)
    client.send('{"hello":true}')
    expect(await client.next()).toBe('hi')
    client.send('bye')
    expect((await client.closed).code).toBe(1000)
    expect(ws.failures).toEqual([])
    await ws.close()
  })

  it('checks nested JSON subsets exactly, in memory and from its file alike', async () => {
    const s = new Scenario().expect({ user: { name: 'Ada' } }, { timeoutMs: 2000 }).send('matched')
    // Before `json` entries the file form was a regex that found "name":"Ada" at any depth and accepted this.
    const loose = '{"user":{},"other":{"name":"Ada"}}'
    expect(s.toReplay()).toEqual([
      { ts: 0, dir: 'in', json: { user: { name: 'Ada' } }, timeoutMs: 2000 },
      { ts: 0, dir: 'out', text: 'matched' },
    ])
    for (const ws of [await mockWs().scenario(s), await mockWs().replay(s.toJSONL())]) {
      const client = await connectClient(ws.url)
      client.send(loose)
      await vi.waitFor(() => expect(ws.failures.map((f) => f.kind)).toEqual(['unexpected-message']))
      client.send('{"user":{"name":"Ada","id":7}}')
      expect(await client.next()).toBe('matched')
      await client.close()
      await ws.close()
    }
  })

  it('waits with a predicate waitFor, skipping other messages', async () => {
    const s = new Scenario().waitFor((text) => text.endsWith('!')).send('heard you')
    const ws = await mockWs().scenario(s)
    const client = await connectClient(ws.url)
    client.send('quiet')
    client.send('loud!')
    expect(await client.next()).toBe('heard you')
    expect(ws.failures).toEqual([])
    await client.close()
    await ws.close()
  })

  it('plays a waitFor that is followed by an expect or ends the scenario', async () => {
    const s = new Scenario().waitFor('ready').expect('go').send('went').waitFor('done', { timeoutMs: 2000 })
    for (const build of [() => mockWs().scenario(s), () => mockWs().replay(s.toJSONL())]) {
      const ws = await build()
      const client: TestClient = await connectClient(ws.url)
      client.send('noise')
      client.send('ready')
      client.send('go')
      expect(await client.next()).toBe('went')
      client.send('done')
      await client.close()
      expect(ws.failures).toEqual([])
      await ws.close()
    }
  })
})

describe('strict mode', () => {
  it('makes close() reject with the failure report', async () => {
    const leaks = watchLeaks()
    const ws = await mockWs({ strict: true }).scenario(new Scenario().send('{"type":"hello"}').expect({ type: 'subscribe' }).send('never'))
    const client = await connectClient(ws.url)
    await client.next()
    client.send('{"type":"unsubscribe"}')
    await vi.waitFor(() => expect(ws.failures).toHaveLength(1))
    await client.close()
    // The client's close leaves the remaining steps unplayed: a second failure.
    await vi.waitFor(() => expect(ws.failures).toHaveLength(2))
    const error = await ws.close().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ScenarioFailureError)
    // Timings vary from run to run; everything else is pinned.
    expect((error as Error).message.replace(/\+\d+ms/g, '+Nms').replace(/ +\+Nms/g, ' +Nms')).toMatchInlineSnapshot(`
      "mockforge-ws: 2 scenario failures

      1) connection #1, step 2 (expect({"type":"subscribe"}) at <scenario>:2): unexpected message at +Nms
         expected: expect({"type":"subscribe"})
         actual:   "{\\"type\\":\\"unsubscribe\\"}"

      2) connection #1, step 2 (expect({"type":"subscribe"}) at <scenario>:2): connection closed with steps left at +Nms
         expected: expect({"type":"subscribe"})
         actual:   closed

      transcript (3 frames; → server to client, ← client to server):
        #1 +Nms  →  {"type":"hello"}
        #1 +Nms  ←  {"type":"unsubscribe"}
        #1 +Nms  ←  close 1000"
    `)
    await leaks.expectNone()
  })
})
