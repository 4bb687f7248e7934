// Run by node-clients.test.ts in a child `node --experimental-websocket`: Node's own global WebSocket, no undici import.
import { setupServer } from 'msw/node'
import { toMswHandler } from '../../../src/integrations/msw.js'
import { Scenario } from '../../../src/scenario/scenario.js'

const chat = await toMswHandler('wss://flag.example/ws', new Scenario().send('welcome').expect('ping').send('pong').close(1000, 'done'))
const server = setupServer(chat.handler)
server.listen({ onUnhandledRequest: 'bypass' })
const socket = new WebSocket('wss://flag.example/ws')
const received: string[] = []
socket.addEventListener('message', (event) => {
  received.push(String(event.data))
  if (event.data === 'welcome') socket.send('ping')
})
const closed = await new Promise<{ code: number; reason: string }>((resolve) => socket.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason })))
await chat.close()
server.close()
process.stdout.write(JSON.stringify({ hasGlobal: typeof WebSocket, received, closed, failures: chat.failures.length, transcript: chat.transcript.length }))
