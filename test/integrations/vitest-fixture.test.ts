import { liveMockCount, ScenarioFailureError } from '../../src/index.js'
import { describe, expect, it, test } from '../../src/integrations/vitest.js'
import { connectNode } from '../contract/node-client.cjs'

describe('mockWs fixture', () => {
  test('hands out a factory of builders; a builder that is never awaited starts nothing', async ({ mockWs }) => {
    const before = liveMockCount()
    const unused = mockWs().send('never sent')
    expect(typeof unused.then).toBe('function')
    expect(liveMockCount()).toBe(before)
  })

  test('closes every mock the test started, however many', async ({ mockWs, onTestFinished }) => {
    const mocks = await Promise.all([mockWs(), mockWs({ path: '/a' }), mockWs().send('hi')])
    expect(new Set(mocks.map((m) => m.port)).size).toBe(3)
    // onTestFinished runs after the fixture's teardown.
    onTestFinished(() => {
      expect(mocks.map((m) => m.closed)).toEqual([true, true, true])
    })
  })

  test('a strict mock the test closed itself reports to the test, not again at teardown', async ({ mockWs }) => {
    const ws = await mockWs({ strict: true }).expect('hello')
    const client = await connectNode(ws)
    client.send('goodbye')
    await expect.poll(() => ws.failures.length).toBe(1)
    await expect(ws.close()).rejects.toBeInstanceOf(ScenarioFailureError)
  })

  it('is also exported as `it`, and registers the matchers on import', async ({ mockWs }) => {
    const ws = await mockWs()
    expect(ws).toHaveConnections(0)
    expect(ws).toHaveNoFailures()
  })
})
