import { describe, expect, it } from 'vitest'
import { MockWsError } from '../../src/errors.js'
import { errorMessage, toError } from '../../src/session/to-error.js'

describe('toError', () => {
  it('returns an Error unchanged', () => {
    const error = new TypeError('boom')
    expect(toError(error)).toBe(error)
    expect(toError(error, 'WSM_CONFIG')).toBe(error)
  })

  it('wraps anything else thrown, as a MockWsError when a code is given', () => {
    const plain = toError('text')
    expect(plain).toBeInstanceOf(Error)
    expect(plain).not.toBeInstanceOf(MockWsError)
    expect(plain.message).toBe('text')
    const coded = toError(42, 'WSM_CLOSED')
    expect(coded).toBeInstanceOf(MockWsError)
    expect((coded as MockWsError).code).toBe('WSM_CLOSED')
    expect(coded.message).toBe('42')
  })

  it('never throws on values String() cannot convert', () => {
    expect(toError(Object.create(null)).message).toBe('[object Object]')
    expect(errorMessage(Symbol.for('x'))).toBe('Symbol(x)')
    const hostile = { toString: () => { throw new Error('no') } }
    expect(errorMessage(hostile)).toBe('[object Object]')
  })

  it('gives the message of an Error, or the text of anything else', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom')
    expect(errorMessage('plain')).toBe('plain')
    expect(errorMessage(undefined)).toBe('undefined')
  })
})
