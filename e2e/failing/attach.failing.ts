// Deliberately failing tests (see e2e/attachments.spec.ts): the mockWs fixture must attach each mock's
// transcript and timeline to a failed test, and nothing to a passing one.
import WebSocket from 'ws'
import { expect, test } from '../../src/integrations/playwright.js'

async function talk(url: string, text: string): Promise<void> {
  const client = new WebSocket(url)
  await new Promise<void>((resolve) => client.once('open', () => resolve()))
  client.send(text)
  await new Promise<void>((resolve) => client.once('message', () => resolve()))
  client.close()
}

test('fails its own assertion', async ({ mockWs }) => {
  const ws = await mockWs()
  await talk(ws.url, 'echo me')
  const second = await mockWs().send('hello from the second mock')
  const client = new WebSocket(second.url)
  await new Promise<void>((resolve) => client.once('message', () => resolve()))
  client.close()
  expect(ws.received.length).toBe(99)
})

test('fails in teardown with a strict failure', async ({ mockWs }) => {
  const ws = await mockWs({ strict: true }).expect('ready')
  const client = new WebSocket(ws.url)
  await new Promise<void>((resolve) => client.once('open', () => resolve()))
  client.send('not ready')
  await expect.poll(() => ws.failures.length).toBe(1)
  client.close()
})

test('passes', async ({ mockWs }) => {
  const ws = await mockWs()
  await talk(ws.url, 'fine')
  expect(ws.received).toHaveLength(1)
})
