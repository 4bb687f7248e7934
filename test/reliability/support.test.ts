import net from 'node:net'
import { describe, expect, it } from 'vitest'
import { watchLeaks } from './support.js'

describe('watchLeaks (the leak check the reliability tests rely on)', () => {
  it('notices a timer left pending, and passes once it is cleared', async () => {
    const leaks = watchLeaks(50)
    const timer = setTimeout(() => {}, 60_000)
    await expect(leaks.expectNone()).rejects.toThrow(/timers/)
    clearTimeout(timer)
    await watchLeaks(50).expectNone()
  })

  it('notices a listening server', async () => {
    const leaks = watchLeaks(50)
    const server = net.createServer().listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    await expect(leaks.expectNone()).rejects.toThrow(/servers/)
    await new Promise((resolve) => server.close(resolve))
  })
})
