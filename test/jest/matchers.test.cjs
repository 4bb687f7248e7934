// The matchers under Jest's own expect: messages come out through Jest's diff and printers, `.not` reads well.
const { mockWs } = require('mockforge-ws')
const { connectNode } = require('../contract/node-client.cjs')
const { plain } = require('../contract/cases.cjs')

async function failureOf(assertion) {
  try {
    await assertion()
  } catch (error) {
    return plain(error.message)
  }
  throw new Error('Expected the assertion to fail, but it passed.')
}

test('toReceiveMessage fails with a Jest diff against the closest message and the transcript', async () => {
  const ws = await mockWs()
  const client = await connectNode(ws)
  client.send('{"type":"subscribe","channel":"news"}')
  await client.next()
  const message = await failureOf(() => expect(ws).toReceiveMessage({ type: 'subscribe', channel: 'prices' }, { timeout: 10 }))
  expect(message).toContain('expect(mock).toReceiveMessage(expected)')
  expect(message).toContain('Expected: a client message matching {"type":"subscribe","channel":"prices"} within 10 ms')
  expect(message).toMatch(/- {3}"channel": "prices",\n\+ {3}"channel": "news",/)
  expect(message).toMatch(/#1 +\+\d+ms {2}← {2}\{"type":"subscribe","channel":"news"\}/)
  await client.close()
})

test('.not variants pass and fail the Jest way', async () => {
  const ws = await mockWs()
  const client = await connectNode(ws)
  client.send('PING')
  await client.next()
  expect(ws).not.toHaveReceivedMessage('PONG')
  await expect(ws).not.toReceiveMessage('PONG', { timeout: 10 })
  const message = await failureOf(() => expect(ws).not.toHaveReceivedMessage(/PING/))
  expect(message).toContain('expect(mock).not.toHaveReceivedMessage(expected)')
  expect(message).toContain('Received: "PING" (connection #1 at +')
  expect(await failureOf(() => expect(ws).toHaveConnections(3))).toContain('Received: 1 open connection (1 since the mock started)')
  await client.close()
})
