import WebSocket from 'ws'

/** An HTTP answer to a WebSocket handshake, as a real `ws` client saw it in `unexpected-response`. */
export interface Refusal {
  status: number
  body: string
}

/**
 * Connects a `ws` client expecting the handshake to be refused; resolves with the status and body
 * from `unexpected-response`, or rejects when the socket opens or fails otherwise.
 */
export function refusal(url: string): Promise<Refusal> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url)
    socket.on('unexpected-response', (_req, res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body })
        // Nothing will upgrade this socket any more; abandon the handshake (ws then reports an abort).
        socket.terminate()
      })
    })
    socket.on('error', (error) => reject(error))
    socket.once('open', () => {
      socket.terminate()
      reject(new Error('the handshake was accepted'))
    })
  })
}

/** Connects a `ws` client with no `unexpected-response` listener; resolves with the error ws raises. */
export function handshakeError(url: string): Promise<Error> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url)
    socket.once('error', (error) => resolve(error))
    socket.once('open', () => {
      socket.terminate()
      reject(new Error('the handshake was accepted'))
    })
  })
}
