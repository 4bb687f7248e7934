type Container = '{' | '['

/**
 * Finds the events of a model's answer while it streams: `push()` returns the elements of its `{"events": [ … ]}` (or
 * `[ … ]`) that a chunk completes. Text before the JSON (a Markdown fence some servers add) is skipped.
 */
export class EventArrayScanner {
  #text = ''
  #pos = 0
  #stack: Container[] = []
  #inString = false
  #escaped = false
  #stringStart = -1
  #expectKey = false
  #lastKey: string | undefined
  /** Depth (stack length) at which the target array's elements sit, once found. */
  #elementDepth = -1
  #elementStart = -1
  #closed = false
  #started = false

  /** True once the events array has been closed (`]`): the answer holds no more events. */
  get closed(): boolean {
    return this.#closed
  }

  /** The whole text pushed so far. */
  get text(): string {
    return this.#text
  }

  push(chunk: string): string[] {
    this.#text += chunk
    const done: string[] = []
    const text = this.#text
    for (; this.#pos < text.length && !this.#closed; this.#pos++) {
      const i = this.#pos
      const c = text[i] as string
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false
        else if (c === '\\') this.#escaped = true
        else if (c === '"') this.#endString(i, done)
        continue
      }
      if (!this.#started) {
        if (c !== '{' && c !== '[') continue
        this.#started = true
      }
      const atElements = this.#elementDepth !== -1 && this.#stack.length === this.#elementDepth
      if (atElements && this.#elementStart === -1 && !/[\s,\]]/.test(c)) this.#elementStart = i
      if (c === '"') {
        this.#inString = true
        this.#stringStart = i
      } else if (c === '{' || c === '[') {
        if (c === '[' && this.#elementDepth === -1 && (this.#stack.length === 0 || (this.#stack.length === 1 && this.#stack[0] === '{' && this.#lastKey === 'events'))) {
          this.#elementDepth = this.#stack.length + 1
        }
        this.#stack.push(c)
        this.#expectKey = c === '{'
      } else if (c === '}' || c === ']') {
        if (atElements && this.#elementStart !== -1) this.#finishElement(i, done)
        const closing = this.#stack.length
        this.#stack.pop()
        if (closing === this.#elementDepth) this.#closed = true
        else if (this.#elementDepth !== -1 && this.#stack.length === this.#elementDepth && this.#elementStart !== -1) {
          done.push(text.slice(this.#elementStart, i + 1))
          this.#elementStart = -1
        }
      } else if (c === ',') {
        if (atElements && this.#elementStart !== -1) this.#finishElement(i, done)
        this.#expectKey = this.#stack.at(-1) === '{'
      }
    }
    return done
  }

  #endString(i: number, done: string[]): void {
    this.#inString = false
    const raw = this.#text.slice(this.#stringStart, i + 1)
    if (this.#expectKey && this.#stack.at(-1) === '{') {
      this.#expectKey = false
      if (this.#stack.length === 1) {
        try {
          this.#lastKey = JSON.parse(raw) as string
        } catch {
          this.#lastKey = undefined
        }
      }
      return
    }
    // A string element of the events array is complete at its closing quote.
    if (this.#elementDepth !== -1 && this.#stack.length === this.#elementDepth && this.#elementStart === this.#stringStart) {
      done.push(raw)
      this.#elementStart = -1
    }
  }

  // A number, true, false or null element ends at the next ',' or ']'.
  #finishElement(i: number, done: string[]): void {
    const raw = this.#text.slice(this.#elementStart, i).trim()
    if (raw !== '') done.push(raw)
    this.#elementStart = -1
  }
}
