import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { TemplateError } from '../../src/errors.js'
import { closeAllMocks, mockWs } from '../../src/index.js'
import { compileTemplate } from '../../src/template/compile.js'
import { createTemplateContext } from '../../src/template/context.js'
import { expandTokens } from '../../src/template/expand.js'
import { connectClient } from '../support/client.js'

afterEach(() => closeAllMocks())

const ECHO_REPLAY = [
  String.raw`{"ts":0,"dir":"in","match":"^(?<name>.*)$"}`,
  String.raw`{"ts":0,"dir":"out","text":"{\"echo\":\"{{json lastMessage}}\",\"name\":\"{{json match.name}}\"}"}`,
  String.raw`{"ts":0,"dir":"in","match":"^(?<name>.*)$"}`,
  String.raw`{"ts":0,"dir":"out","text":"{\"echo\":\"{{lastMessage}}\"}"}`,
].join('\n')

describe('{{json …}} escapes client-controlled values for JSON (item 8)', () => {
  it('a hostile message cannot inject keys or break the JSON; the raw form can', async () => {
    const ws = await mockWs().replay(ECHO_REPLAY)
    const client = await connectClient(ws.url)
    const hostile = 'x","admin":true,"y":"'
    client.send(hostile)
    const reply = JSON.parse(String(await client.next())) as Record<string, unknown>
    expect(reply).toEqual({ echo: hostile, name: hostile })
    // The raw form inserts the text as it is: this is the injection docs/templates.md warns about.
    client.send(hostile)
    expect(JSON.parse(String(await client.next()))).toEqual({ echo: 'x', admin: true, y: '' })
    await client.close()
  })

  it('quotes, backslashes, control characters and line separators render as a valid JSON string body', () => {
    const template = compileTemplate('{"echo":"{{json lastMessage}}"}')
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        const ctx = createTemplateContext()
        ctx.lastMessage = text
        expect((JSON.parse(template.render(ctx)) as { echo: string }).echo).toBe(text)
      }),
      { numRuns: 300, seed: 16 },
    )
    const ctx = createTemplateContext()
    ctx.lastMessage = 'a"b\\\n\u0000\u2028'
    expect(template.render(ctx)).toBe('{"echo":"a\\"b\\\\\\n\\u0000\u2028"}')
  })

  it('a bad operand is a load-time error naming the forms it takes', () => {
    expect(() => compileTemplate('{{json seq}}')).toThrow(TemplateError)
    expect(() => compileTemplate('{{json}}')).toThrowErrorMatchingInlineSnapshot(
      `[TemplateError: Failed to compile template: {{json}} at offset 0 needs a value to escape. Write {{json lastMessage}} or {{json match.NAME}} inside a JSON string, e.g. {"echo":"{{json lastMessage}}"}; {{json X}} takes lastMessage, match.NAME or faker.MODULE.METHOD.]`,
    )
    expect(() => compileTemplate('{{json match.}}')).toThrow(/needs a group name/)
  })
})

describe('docs/templates.md', () => {
  it('shows the {{json …}} example with its real output', () => {
    const doc = readFileSync(new URL('../../docs/templates.md', import.meta.url), 'utf8')
    const input = 'x","admin":true,"y":"'
    const output = expandTokens('{"echo":"{{json lastMessage}}"}', { lastMessage: input })
    expect(doc).toContain(`expandTokens('{"echo":"{{json lastMessage}}"}', { lastMessage: '${input}' })\n// '${output.replaceAll('\\', '\\\\')}'`)
    expect(JSON.parse(output)).toEqual({ echo: input })
  })
})
