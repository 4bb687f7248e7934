// The model behind the HTML timeline (`mockforge-ws view`, Playwright failure attachments): frames of any
// number of connections, in the order they happened, plus failures. Node-free, so it runs anywhere.
import { fromBase64 } from '../session/bytes.js'

/** One frame of a timeline: a message either way, a close, or a scripted wait (replay files). */
export interface TimelineFrame {
  /** Connection id (1 for a replay file, which describes one connection). */
  connection: number
  /** ms since that connection opened. */
  ts: number
  /** `in`: client → server; `out`: server → client. */
  dir: 'in' | 'out'
  text?: string
  /** Bytes of a binary frame, or their base64. */
  binary?: Uint8Array | string
  close?: { code?: number; reason?: string }
  /** What a replay file's `in` entry expects, when it is not literal text (`match /…/`, `json {…}`). */
  expects?: string
  /** A replay file's `waitFor` before an `out` entry. */
  waitFor?: string
}

/** A failure to mark on the timeline (a strict-mode failure of a mock). */
export interface TimelineFailure {
  connection: number
  ts: number
  message: string
}

/** What `renderTimeline` draws. */
export interface TimelineInput {
  title?: string
  frames: readonly TimelineFrame[]
  failures?: readonly TimelineFailure[]
}

/** A row of the rendered list, as serialized into the page. */
export interface TimelineRow {
  /** Connection. */
  c: number
  /** ms since that connection opened. */
  t: number
  /** `in` | `out` | `fail`. */
  d: 'in' | 'out' | 'fail'
  /** Kind: text, binary, close, expect (pattern of an in entry), failure. */
  k: 'text' | 'binary' | 'close' | 'expect' | 'failure'
  /** Full content shown on click. */
  v: string
  /** Extra label: `waitFor …`, byte count. */
  n?: string
}

const HEX_PREVIEW_BYTES = 32

/** A hex preview of a binary frame: `<binary N bytes> 01 02 ff …`. */
export function hexPreview(binary: Uint8Array | string): { size: number; hex: string } {
  const bytes = typeof binary === 'string' ? fromBase64(binary) : binary
  const shown = Array.from(bytes.subarray(0, HEX_PREVIEW_BYTES), (b) => b.toString(16).padStart(2, '0')).join(' ')
  return { size: bytes.byteLength, hex: bytes.byteLength > HEX_PREVIEW_BYTES ? `${shown} …` : shown }
}

/**
 * Flattens frames and failures into display rows: input order kept (the order things happened),
 * each failure placed after the last frame of its connection at or before its time.
 * @example
 * timelineRows({ frames: [{ connection: 1, ts: 0, dir: 'out', text: 'hi' }] })
 */
export function timelineRows(input: TimelineInput): TimelineRow[] {
  const rows: TimelineRow[] = []
  for (const f of input.frames) {
    const t = Math.round(f.ts * 10) / 10
    if (f.close) {
      const code = f.close.code ?? 1000
      rows.push({ c: f.connection, t, d: f.dir, k: 'close', v: `close ${code}${f.close.reason ? ` ${f.close.reason}` : ''}` })
    } else if (f.binary !== undefined) {
      const { size, hex } = hexPreview(f.binary)
      rows.push({ c: f.connection, t, d: f.dir, k: 'binary', v: hex, n: `${size} bytes` })
    } else if (f.expects !== undefined) {
      rows.push({ c: f.connection, t, d: f.dir, k: 'expect', v: f.expects })
    } else {
      rows.push({ c: f.connection, t, d: f.dir, k: 'text', v: f.text ?? '', ...(f.waitFor !== undefined ? { n: `after waitFor ${f.waitFor}` } : {}) })
    }
  }
  for (const failure of input.failures ?? []) {
    let at = -1
    for (let i = rows.length - 1; i >= 0 && at === -1; i--) {
      const row = rows[i] as TimelineRow
      if (row.c === failure.connection && row.t <= failure.ts) at = i + 1
    }
    // Before anything of its connection happened (or for a connection without frames): at the start of that connection, else at the end.
    if (at === -1) at = rows.findIndex((r) => r.c === failure.connection)
    if (at === -1) at = rows.length
    rows.splice(at, 0, { c: failure.connection, t: Math.round(failure.ts * 10) / 10, d: 'fail', k: 'failure', v: failure.message })
  }
  return rows
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
}

// JSON inside <script type="application/json">: only `<` could end the element early (`</script>`, `<!--`).
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c')
}

/**
 * Renders a self-contained HTML timeline (inline CSS and JS, no network requests): one lane per
 * connection, client frames on the left of a lane and server frames on the right, relative times,
 * JSON pretty-printed on click, binary as a hex preview, closes and failures marked. The list is
 * virtualised, so 100k frames scroll smoothly.
 * @example
 * writeFileSync('timeline.html', renderTimeline({ title: 'chat.jsonl', frames: ws.transcript }))
 */
export function renderTimeline(input: TimelineInput): string {
  const rows = timelineRows(input)
  const connections = [...new Set(rows.map((r) => r.c))].sort((a, b) => a - b)
  const failures = rows.filter((r) => r.k === 'failure').length
  const title = input.title ?? 'mockforge-ws timeline'
  const summary = `${rows.length - failures} frame${rows.length - failures === 1 ? '' : 's'}, ${connections.length} connection${connections.length === 1 ? '' : 's'}${failures ? `, ${failures} failure${failures === 1 ? '' : 's'}` : ''}`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title>
<style>
:root { --row: 24px; --lane: 420px; font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: #1d232a; }
body { margin: 0; display: flex; flex-direction: column; height: 100vh; }
header { padding: 8px 12px; border-bottom: 1px solid #d0d7de; background: #f6f8fa; }
header h1 { font-size: 15px; margin: 0 0 2px; }
header .legend span { margin-right: 14px; }
.lanes { display: flex; padding-left: 72px; border-bottom: 1px solid #d0d7de; background: #fff; }
.lanes div { width: var(--lane); box-sizing: border-box; padding: 2px 8px; font-weight: 600; border-left: 1px solid #eaeef2; display: flex; justify-content: space-between; }
#scroll { flex: 1; overflow: auto; position: relative; }
#spacer { position: relative; }
.row { position: absolute; left: 0; height: var(--row); display: flex; align-items: center; white-space: nowrap; cursor: pointer; }
.row:hover .msg { outline: 1px solid #8c959f; }
.time { box-sizing: border-box; width: 72px; padding-right: 8px; text-align: right; color: #57606a; flex: none; }
.lane { display: flex; flex: none; width: var(--lane); }
.msg { box-sizing: border-box; width: calc(var(--lane) * 0.8); overflow: hidden; text-overflow: ellipsis; padding: 1px 6px; border-radius: 4px; }
.in .msg { background: #ddf4ff; }
.out .msg { background: #dafbe1; margin-left: calc(var(--lane) * 0.2); }
.close .msg { background: #fff8c5; font-style: italic; }
.expect .msg { background: #f3f0ff; }
.fail .msg { background: #ffebe9; color: #a40e26; font-weight: 600; width: var(--lane); }
.binary .msg { background: #eaeef2; }
.note { color: #57606a; margin-right: 4px; }
#detail { max-height: 35vh; overflow: auto; border-top: 1px solid #d0d7de; margin: 0; padding: 8px 12px; background: #f6f8fa; white-space: pre-wrap; word-break: break-all; }
#detail:empty { display: none; }
</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<div class="legend"><span id="summary">${escapeHtml(summary)}</span><span>→ client to server (left)</span><span>← server to client (right)</span><span>click a frame for its full text</span></div>
</header>
<div class="lanes">${connections.map((c) => `<div><span>connection #${c}</span><span>client | server</span></div>`).join('')}</div>
<div id="scroll"><div id="spacer"></div></div>
<pre id="detail"></pre>
<script type="application/json" id="rows">${scriptJson(rows)}</script>
<script type="application/json" id="connections">${scriptJson(connections)}</script>
<script>
(function () {
  var rows = JSON.parse(document.getElementById('rows').textContent);
  var lanes = JSON.parse(document.getElementById('connections').textContent);
  var laneOf = {};
  lanes.forEach(function (c, i) { laneOf[c] = i; });
  var scroll = document.getElementById('scroll');
  var spacer = document.getElementById('spacer');
  var detail = document.getElementById('detail');
  var rowHeight = 24, laneWidth = 420, overscan = 20, shown = {};
  spacer.style.height = rows.length * rowHeight + 'px';
  spacer.style.width = 72 + lanes.length * laneWidth + 'px';
  function label(r) {
    if (r.d === 'fail') return '✖ ' + r.v;
    var arrow = r.d === 'in' ? '→ ' : '← ';
    return arrow + (r.k === 'binary' ? '<binary ' + r.n + '> ' + r.v : r.v);
  }
  function pretty(r) {
    if (r.k === 'text') { try { return JSON.stringify(JSON.parse(r.v), null, 2); } catch (e) { return r.v; } }
    return r.v;
  }
  function make(i) {
    var r = rows[i];
    var el = document.createElement('div');
    el.className = 'row ' + (r.d === 'fail' ? 'fail' : r.d) + ' ' + r.k;
    el.style.top = i * rowHeight + 'px';
    el.dataset.index = String(i);
    var time = document.createElement('span');
    time.className = 'time';
    time.textContent = r.t + ' ms';
    var msg = document.createElement('span');
    msg.className = 'msg';
    if (r.n && r.k === 'text') { var note = document.createElement('span'); note.className = 'note'; note.textContent = '[' + r.n + ']'; msg.appendChild(note); }
    msg.appendChild(document.createTextNode(label(r)));
    msg.title = r.d === 'fail' ? r.v : '';
    var lane = document.createElement('span');
    lane.className = 'lane';
    lane.style.marginLeft = laneOf[r.c] * laneWidth + 'px';
    lane.appendChild(msg);
    el.appendChild(time);
    el.appendChild(lane);
    el.addEventListener('click', function () {
      detail.textContent = 'connection #' + r.c + ' · ' + r.t + ' ms · ' + (r.d === 'in' ? 'client → server' : r.d === 'out' ? 'server → client' : 'failure') + (r.n ? ' · ' + r.n : '') + '\\n\\n' + pretty(r);
    });
    return el;
  }
  function render() {
    var first = Math.max(0, Math.floor(scroll.scrollTop / rowHeight) - overscan);
    var last = Math.min(rows.length, Math.ceil((scroll.scrollTop + scroll.clientHeight) / rowHeight) + overscan);
    var keep = {};
    for (var i = first; i < last; i++) {
      keep[i] = true;
      if (!shown[i]) { shown[i] = make(i); spacer.appendChild(shown[i]); }
    }
    for (var k in shown) if (!keep[k]) { spacer.removeChild(shown[k]); delete shown[k]; }
  }
  var pending = false;
  scroll.addEventListener('scroll', function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; render(); });
  });
  window.addEventListener('resize', render);
  render();
  document.documentElement.dataset.rendered = String(rows.length);
})();
</script>
</body>
</html>
`
}
