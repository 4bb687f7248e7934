'use strict'
// The contract's `connect` for runners in Node: a real `ws` client.
const WebSocket = require('ws')

/** Connects a `ws` client to `mock.url`; resolves once open. */
async function connectNode(mock) {
  const socket = new WebSocket(mock.url)
  const inbox = []
  const waiting = []
  let closeInfo
  socket.on('message', (data, isBinary) => {
    const message = isBinary ? data : data.toString()
    const waiter = waiting.shift()
    if (waiter) waiter.resolve(message)
    else inbox.push(message)
  })
  const closed = new Promise((resolve) => {
    socket.on('close', (code, reason) => {
      closeInfo = { code, reason: reason.toString() }
      for (const waiter of waiting.splice(0)) waiter.reject(new Error(`connection closed (${code}) while waiting for a message`))
      resolve(closeInfo)
    })
  })
  await new Promise((resolve, reject) => {
    socket.once('open', resolve)
    socket.once('error', reject)
  })
  return {
    send: (text) => socket.send(text),
    next: () => {
      if (inbox.length > 0) return Promise.resolve(inbox.shift())
      if (closeInfo) return Promise.reject(new Error(`connection closed (${closeInfo.code}) while waiting for a message`))
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }))
    },
    closed,
    close: async () => {
      if (socket.readyState !== WebSocket.CLOSED) socket.close(1000)
      await closed
    },
  }
}

module.exports = { connectNode }
