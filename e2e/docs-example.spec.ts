import { expect, routeToMock, test } from '../src/integrations/playwright.js'

test('the page shows the prices the feed sends', async ({ page, mockWs }) => {
  const ws = await mockWs().expect({ type: 'subscribe' }).send('{"type":"price","symbol":"ACME","price":101.5}')
  // The app keeps its production URL; the route sends that socket to the mock.
  await routeToMock(page, 'wss://api.example.com/feed', ws)

  await page.setContent(`
    <ul id="prices"></ul>
    <script>
      const feed = new WebSocket('wss://api.example.com/feed')
      feed.onopen = () => feed.send(JSON.stringify({ type: 'subscribe', symbol: 'ACME' }))
      feed.onmessage = (event) => {
        const { symbol, price } = JSON.parse(event.data)
        document.getElementById('prices').insertAdjacentHTML('beforeend', '<li>' + symbol + ' ' + price + '</li>')
      }
    </script>`)

  await expect(page.locator('#prices li')).toHaveText(['ACME 101.5'])
  await expect(ws).toReceiveMessage({ type: 'subscribe', symbol: 'ACME' })
  expect(ws).toHaveNoFailures()
})
