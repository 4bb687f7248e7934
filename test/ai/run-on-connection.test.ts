import { describe, expect, test, vi } from 'vitest'
import { validateAiConfig } from '../../src/ai/config.js'
import { runAiOnConnection } from '../../src/ai/run-on-connection.js'
import { framesOf, openWsPair } from './ws-pair.js'

describe('runAiOnConnection', () => {
  test('streams a fresh, capped stream into each connection', async () => {
    const first = await openWsPair()
    const second = await openWsPair()
    try {
      const ai = { enabled: true, maxEvents: 4, replay: { narrative: 'chat room', eventCount: 10, provider: 'offline' as const } }
      expect(await runAiOnConnection(first.server, ai)).toBe(4)
      expect(await runAiOnConnection(second.server, ai)).toBe(4)
      await vi.waitFor(() => expect(first.client.received).toHaveLength(4))
      await vi.waitFor(() => expect(second.client.received).toHaveLength(4))
      expect(framesOf(first.client).map((f) => f.sequence)).toEqual([1, 2, 3, 4])
      expect(framesOf(second.client).map((f) => f.data)).toEqual(framesOf(first.client).map((f) => f.data))
    } finally {
      await first.close()
      await second.close()
    }
  })

  test('does nothing when disabled', async () => {
    const sink = { sent: [] as string[], send(text: string) { this.sent.push(text) } }
    expect(await runAiOnConnection(sink, { enabled: false })).toBe(0)
    expect(sink.sent).toEqual([])
  })

  test('paces with eventRate and stops when the signal aborts', async () => {
    const pair = await openWsPair()
    try {
      const controller = new AbortController()
      const running = runAiOnConnection(
        pair.server,
        { enabled: true, eventRate: 5, replay: { narrative: 'orders', eventCount: 50, provider: 'offline' } },
        controller.signal,
      )
      await pair.client.next()
      controller.abort()
      expect(await running).toBe(1)
    } finally {
      await pair.close()
    }
  })

  test('validateAiConfig reports every problem up front', () => {
    expect(() => validateAiConfig({ enabled: true, maxEvents: -1, eventRate: 0 })).toThrowErrorMatchingInlineSnapshot(
      `[AiGenerationError: Failed to generate events: maxEvents must be a non-negative integer (got -1); eventRate must be a positive number of events per second (got 0); replay is required when enabled is true. Fix the settings named above]`,
    )
    expect(() =>
      validateAiConfig({ enabled: true, replay: { narrative: 'x', provider: 'offline', mode: 'remix' as never } }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[AiGenerationError: Failed to generate events: mode must be one of generated, augmented, static (got "remix"). Fix the settings named above]`,
    )
    expect(() => validateAiConfig({ enabled: false })).not.toThrow()
  })
})
