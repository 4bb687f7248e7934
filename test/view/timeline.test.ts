import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ReplayParseError } from '../../src/errors.js'
import { readTimelineJsonl } from '../../src/view/read.js'
import { hexPreview, renderTimeline, timelineRows } from '../../src/view/timeline.js'
import { transcriptToJsonl } from '../../src/view/transcript-jsonl.js'
import { runCli } from '../support/cli.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'mockforge-view-'))
  dirs.push(d)
  return d
}

describe('timeline rows', () => {
  it('keeps the order of events and places each failure after the last frame of its connection at or before its time', () => {
    const rows = timelineRows({
      frames: [
        { connection: 1, ts: 0, dir: 'out', text: 'welcome' },
        { connection: 2, ts: 0, dir: 'out', text: 'welcome 2' },
        { connection: 1, ts: 5.04, dir: 'in', text: 'hello' },
        { connection: 1, ts: 9, dir: 'out', close: { code: 1000, reason: 'bye' } },
      ],
      failures: [{ connection: 1, ts: 6, message: 'step 3: expected "x", got "hello"' }],
    })
    expect(rows.map((r) => `${r.c} ${r.d} ${r.k} ${r.t} ${r.v}`)).toEqual([
      '1 out text 0 welcome',
      '2 out text 0 welcome 2',
      '1 in text 5 hello',
      '1 fail failure 6 step 3: expected "x", got "hello"',
      '1 out close 9 close 1000 bye',
    ])
  })

  it('puts a failure of a connection without frames at the end, and one before any frame at its connection start', () => {
    const rows = timelineRows({
      frames: [
        { connection: 1, ts: 0, dir: 'out', text: 'a' },
        { connection: 2, ts: 3, dir: 'out', text: 'b' },
      ],
      failures: [
        { connection: 2, ts: 1, message: 'early' },
        { connection: 3, ts: 0, message: 'no frames' },
      ],
    })
    expect(rows.map((r) => r.v)).toEqual(['a', 'early', 'b', 'no frames'])
  })

  it('previews binary frames as hex, from bytes or base64', () => {
    expect(hexPreview(new Uint8Array([1, 2, 255]))).toEqual({ size: 3, hex: '01 02 ff' })
    expect(hexPreview('AQL/')).toEqual({ size: 3, hex: '01 02 ff' })
    const long = hexPreview(new Uint8Array(40).fill(7))
    expect(long.size).toBe(40)
    expect(long.hex.endsWith('07 …')).toBe(true)
  })
})

describe('renderTimeline', () => {
  it('is self-contained: inline style and script, a CSP that forbids every fetch, no external URL', () => {
    const html = renderTimeline({ title: 'chat', frames: [{ connection: 1, ts: 0, dir: 'out', text: 'hi' }] })
    expect(html).toContain("default-src 'none'")
    expect(html).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//)
    expect(html).not.toMatch(/<link\b/)
  })

  it('cannot be broken out of by frame text (script end tags, HTML in the title)', () => {
    const html = renderTimeline({ title: '<b>x</b>', frames: [{ connection: 1, ts: 0, dir: 'in', text: '</script><script>alert(1)</script>' }] })
    expect(html).toContain('<title>&#60;b&#62;x&#60;/b&#62;</title>')
    // Only the renderer's own three script elements close.
    expect(html.match(/<\/script>/g)).toHaveLength(3)
    expect(html).toContain('\\u003c/script>\\u003cscript>alert(1)\\u003c/script>')
  })
})

describe('transcript JSON Lines', () => {
  it('round-trips frames and failures through readTimelineJsonl', () => {
    const jsonl = transcriptToJsonl(
      [
        { connection: 1, ts: 0.123, dir: 'out', text: 'hi' },
        { connection: 2, ts: 1, dir: 'in', binary: new Uint8Array([1, 2]) },
        { connection: 1, ts: 4, dir: 'in', close: { code: 1001, reason: 'gone' } },
      ],
      [{ kind: 'wait-timeout', connection: 1, step: 2, expected: '"x"', actual: '(nothing matching)', ts: 3, message: 'step 2: timed out waiting for "x"' }],
    )
    const timeline = readTimelineJsonl(jsonl, 't.jsonl')
    expect(timeline.frames).toEqual([
      { connection: 1, ts: 0.1, dir: 'out', text: 'hi' },
      { connection: 2, ts: 1, dir: 'in', binary: 'AQI=' },
      { connection: 1, ts: 4, dir: 'in', close: { code: 1001, reason: 'gone' } },
    ])
    expect(timeline.failures).toEqual([{ connection: 1, ts: 3, message: 'step 2: timed out waiting for "x"' }])
  })

  it('reads replay files: patterns of in entries and waitFor are shown as such', () => {
    const timeline = readTimelineJsonl(
      [
        '{"ts":0,"dir":"in","match":"^join (?<room>\\\\w+)$"}',
        '{"ts":0,"dir":"in","json":{"type":"subscribe"}}',
        '{"ts":10,"dir":"out","text":"ok","waitFor":"READY"}',
      ].join('\n'),
    )
    expect(timeline.frames.map((f) => f.expects ?? `${f.text} after ${f.waitFor}`)).toEqual([
      'match /^join (?<room>\\w+)$/',
      'json {"type":"subscribe"}',
      'ok after /READY/',
    ])
  })

  it('names the file, line and cause of a bad line', () => {
    let error: unknown
    try {
      readTimelineJsonl('{"ts":0,"dir":"out","text":"a"}\n\n[1]\n{oops', 'rec.jsonl')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ReplayParseError)
    expect((error as ReplayParseError).issues.map((i) => `${i.file}:${i.line}: ${i.message.split(':')[0]}`)).toEqual([
      'rec.jsonl:3: each line must be a JSON object',
      'rec.jsonl:4: not JSON',
    ])
  })
})

describe('mockforge-ws view', () => {
  it('writes the HTML next to the file, or to --out', async () => {
    const dir = tempDir()
    const file = join(dir, 'chat.jsonl')
    writeFileSync(file, '{"ts":0,"dir":"out","text":"{\\"type\\":\\"welcome\\"}"}\n{"ts":5,"dir":"in","text":"hello"}\n')
    const cli = runCli(['view', file])
    expect(await cli.exited).toBe(0)
    expect(cli.stdout()).toBe(`wrote ${join(dir, 'chat.html')}\n`)
    const html = readFileSync(join(dir, 'chat.html'), 'utf8')
    expect(html).toContain('<title>chat.jsonl</title>')
    expect(html).toContain('hello')
    const out = join(dir, 'other.html')
    const second = runCli(['view', file, '--out', out])
    expect(await second.exited).toBe(0)
    expect(readFileSync(out, 'utf8')).toBe(html)
  })

  it('exits 1 with file:line:column for a bad line, and names a missing file', async () => {
    const dir = tempDir()
    const file = join(dir, 'bad.jsonl')
    writeFileSync(file, '{"ts":0,"dir":"out","text":"a"}\nnot json\n')
    const cli = runCli(['view', file])
    expect(await cli.exited).toBe(1)
    expect(cli.stderr()).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2:1: not JSON`))
    const missing = runCli(['view', join(dir, 'nope.jsonl')])
    expect(await missing.exited).toBe(1)
    expect(missing.stderr()).toContain(`Failed to read ${join(dir, 'nope.jsonl')}`)
  })
})
