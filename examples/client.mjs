#!/usr/bin/env node
// A tiny command-line WebSocket client (like wscat): prints every message, sends each line you type.
// Usage: node examples/client.mjs ws://127.0.0.1:3001/ws
import readline from 'node:readline'
import WebSocket from 'ws'

const url = process.argv[2] ?? 'ws://127.0.0.1:3001/ws'
const socket = new WebSocket(url)
const input = readline.createInterface({ input: process.stdin })

socket.on('open', () => {
  console.log(`connected to ${url}`)
  input.on('line', (line) => socket.send(line))
})
socket.on('message', (data, isBinary) => console.log(`< ${isBinary ? `<binary ${data.length} bytes>` : data.toString()}`))
socket.on('close', (code, reason) => {
  console.log(`closed ${code} ${reason.toString()}`)
  input.close()
})
socket.on('error', (error) => {
  console.error(`error: ${error.message}`)
  process.exitCode = 1
  input.close()
})
