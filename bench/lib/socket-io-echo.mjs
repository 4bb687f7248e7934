// The client side of the socket.io benches: one socket.io-client over WebSocket and a round trip that emits
// `echo` and resolves when the server's `echo` comes back. Shared so both benches measure the same thing.
import { once } from 'node:events'
import { io as ioClient } from 'socket.io-client'

/** Connects to `url` and returns the socket and `trip(i)`, one awaited round trip. */
export async function connectEchoClient(url) {
  const socket = ioClient(url, { transports: ['websocket'], forceNew: true, reconnection: false })
  await once(socket, 'connect')
  let pending
  socket.on('echo', () => pending())
  const trip = (i) =>
    new Promise((resolve) => {
      pending = resolve
      socket.emit('echo', { n: i })
    })
  return { socket, trip }
}
