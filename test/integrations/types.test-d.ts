// Type tests (vitest typecheck): the matcher augmentation and fixture types of every runner, from the sources and
// from the built package entry points (the .d.ts files users get).
import { expect as jestExpect } from '@jest/globals'
import { describe, expectTypeOf, test as vitestTest } from 'vitest'
import type { MockWs, MockWsBuilder, MockWsOptions } from '../../src/index.js'
import type { JestMatchersLoaded } from '../../src/integrations/jest.js'
import type { MockWsFactory } from '../../src/integrations/fixture.js'
import type { ReceiveMessageOptions } from '../../src/integrations/matchers.js'
import { expect as pwExpect, routeToMock, test as pwTest } from '../../src/integrations/playwright.js'
import { expect, test } from '../../src/integrations/vitest.js'
import * as pkgVitest from 'mockforge-ws/vitest'
import * as pkgPlaywright from 'mockforge-ws/playwright'
import type * as pkgJest from 'mockforge-ws/jest'
import type * as pkgCore from 'mockforge-ws'

declare const ws: MockWs

describe('Vitest', () => {
  vitestTest('matchers on expect(mock): async toReceiveMessage, sync others, typed arguments', () => {
    expectTypeOf(expect(ws).toReceiveMessage({ type: 'subscribe' })).toEqualTypeOf<Promise<void>>()
    expectTypeOf(expect(ws).not.toReceiveMessage(/x/, { timeout: 10, connection: 1 })).toEqualTypeOf<Promise<void>>()
    expectTypeOf(expect(ws).toHaveReceivedMessage('x')).toEqualTypeOf<void>()
    expectTypeOf(expect(ws).toHaveReceivedMessages(['a', /b/, { c: 1 }, (t: string) => t === 'd'])).toEqualTypeOf<void>()
    expectTypeOf(expect(ws).toHaveSentMessage({ ok: true })).toEqualTypeOf<void>()
    expectTypeOf(expect(ws).toHaveConnections(1)).toEqualTypeOf<void>()
    expectTypeOf(expect(ws).toHaveNoFailures()).toEqualTypeOf<void>()
    expectTypeOf<ReceiveMessageOptions>().toEqualTypeOf<{ timeout?: number; connection?: number }>()
    // @ts-expect-error a count is a number
    expect(ws).toHaveConnections('1')
    // @ts-expect-error a number is not a message matcher
    void expect(ws).toReceiveMessage(42)
    // @ts-expect-error timeout is a number of ms
    void expect(ws).toReceiveMessage('x', { timeout: '1s' })
    // @ts-expect-error toHaveReceivedMessages takes a list
    expect(ws).toHaveReceivedMessages('x')
    // @ts-expect-error toHaveNoFailures takes nothing
    expect(ws).toHaveNoFailures(1)
  })

  test('the mockWs fixture is the mockWs() factory', async ({ mockWs }) => {
    expectTypeOf(mockWs).toEqualTypeOf<MockWsFactory>()
    expectTypeOf(mockWs).parameter(0).toEqualTypeOf<MockWsOptions | undefined>()
    expectTypeOf(mockWs()).toEqualTypeOf<MockWsBuilder>()
    expectTypeOf(await mockWs().replay('x.jsonl')).toEqualTypeOf<MockWs>()
  })

  vitestTest('the built entry points carry the same types', () => {
    pkgVitest.test('fixture from mockforge-ws/vitest', async ({ mockWs }) => {
      expectTypeOf(await mockWs()).toEqualTypeOf<pkgCore.MockWs>()
      expectTypeOf(pkgVitest.expect(await mockWs()).toReceiveMessage('x')).toEqualTypeOf<Promise<void>>()
    })
  })
})

describe('Jest', () => {
  vitestTest('matchers on the expect of @jest/globals once mockforge-ws/jest is loaded', () => {
    expectTypeOf<JestMatchersLoaded>().toHaveProperty('toReceiveMessage')
    expectTypeOf<pkgJest.JestMatchersLoaded>().toHaveProperty('toHaveNoFailures')
    expectTypeOf(jestExpect(ws).toHaveConnections(1)).toEqualTypeOf<void>()
    expectTypeOf(jestExpect(ws).not.toHaveReceivedMessage({ type: 'x' })).toEqualTypeOf<void>()
    expectTypeOf(jestExpect(ws).toReceiveMessage('x')).toEqualTypeOf<Promise<void>>()
    // @ts-expect-error a count is a number
    jestExpect(ws).toHaveConnections('1')
  })
})

describe('Playwright', () => {
  vitestTest('expect from mockforge-ws/playwright has the matchers', () => {
    expectTypeOf(pwExpect(ws).toReceiveMessage('x', { timeout: 100 })).toEqualTypeOf<Promise<void>>()
    expectTypeOf(pwExpect(ws).not.toHaveSentMessage(/x/)).toEqualTypeOf<void>()
    expectTypeOf(pwExpect(ws).toHaveConnections(1)).toEqualTypeOf<void>()
    expectTypeOf(pkgPlaywright.expect(ws).toHaveNoFailures()).toEqualTypeOf<void>()
    // @ts-expect-error a count is a number
    pwExpect(ws).toHaveConnections('1')
  })

  vitestTest('the mockWs fixture and routeToMock', () => {
    pwTest('x', async ({ mockWs, page, context }) => {
      expectTypeOf(mockWs).toEqualTypeOf<MockWsFactory>()
      const mock = await mockWs()
      expectTypeOf(routeToMock(page, 'wss://api.example.com/feed', mock)).toEqualTypeOf<Promise<void>>()
      expectTypeOf(routeToMock(context, /feed/, mock)).toEqualTypeOf<Promise<void>>()
      expectTypeOf(routeToMock(page, (url: URL) => url.host === 'api.example.com', mock)).toEqualTypeOf<Promise<void>>()
    })
    pkgPlaywright.test('y', async ({ mockWs }) => {
      expectTypeOf(await mockWs()).toEqualTypeOf<pkgCore.MockWs>()
    })
  })
})
