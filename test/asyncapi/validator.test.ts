import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, test } from 'vitest'
import { ContractValidator, loadAsyncApi } from '../../src/index.js'

// The first parse of a document in a process takes seconds on a loaded machine (bench/asyncapi.bench.mjs).
const PARSE_TIMEOUT_MS = 90_000
const MARKET = fileURLToPath(new URL('../../examples/asyncapi-market.yaml', import.meta.url))

describe('ContractValidator', () => {
  let validator: ContractValidator
  beforeAll(async () => {
    validator = await ContractValidator.create(await loadAsyncApi(MARKET))
  }, PARSE_TIMEOUT_MS)

  test('a frame fits the message whose schema it validates against', () => {
    expect(validator.check('receives', '{"type":"order","order":{"side":"buy","size":1}}')).toMatchObject({ ok: true, message: { name: 'placeOrder' } })
    expect(validator.check('sends', '{"type":"trade","symbol":"X","price":1,"size":1,"side":"sell"}')).toMatchObject({ ok: true, message: { name: 'trade' } })
  })

  test('directions are not mixed: a server message sent by the client fits nothing', () => {
    const verdict = validator.check('receives', '{"type":"trade","symbol":"X","price":1,"size":1,"side":"sell"}')
    expect(verdict.ok).toBe(false)
  })

  test('the closest candidate is the one with the fewest errors; its deepest error is shown', () => {
    const verdict = validator.check('receives', '{"type":"order"}')
    expect(verdict).toEqual({
      ok: false,
      mismatch: {
        candidates: [
          { name: 'placeOrder', location: 'components.messages.placeOrder' },
          { name: 'subscribe', location: 'components.messages.subscribe' },
        ],
        pointer: '',
        error: "must have required property 'order'",
      },
    })
  })

  test('partial frames (replay json subsets) may leave out required properties, not break the others', () => {
    expect(validator.check('receives', '{"type":"order"}', { partial: true }).ok).toBe(true)
    const verdict = validator.check('receives', '{"type":"order","order":{"side":"hold"}}', { partial: true })
    expect(verdict).toMatchObject({ ok: false, mismatch: { pointer: '/order/side', error: 'must be equal to one of the allowed values ("buy", "sell")' } })
  })

  test('formats are checked (ajv-formats): a welcome whose sessionId is no uuid does not fit', () => {
    expect(validator.check('sends', '{"type":"welcome","sessionId":"0b7d1c0e-3c4f-4f7a-9d2b-0f6c1e2a3b4c"}').ok).toBe(true)
    expect(validator.check('sends', '{"type":"welcome","sessionId":"nope"}')).toMatchObject({ ok: false, mismatch: { pointer: '/sessionId', error: 'must match format "uuid"' } })
  })

  test('exampleOf() finds the example a rendered frame came from, template tokens matching anything', () => {
    expect(validator.exampleOf('{"type":"welcome","sessionId":"anything"}')?.location).toBe('components.messages.welcome.examples[0]')
    expect(validator.exampleOf('{"type":"trade","symbol":"BTC-USD","price":64001,"size":1,"side":"sell"}')?.location).toBe('components.messages.trade.examples[1]')
    expect(validator.exampleOf('{"type":"other"}')).toBeUndefined()
  })
})
