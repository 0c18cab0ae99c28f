/**
 * Reassembles JSON objects written over several lines (a pretty-printed record, or a JSON array of
 * records as documentation pages and `jq .` print them) from a line-by-line read. One object a line
 * (NDJSON) passes straight through; a multi-line object must open with a line holding only `{`. A scanner of string, escape and brace state: each character is
 * looked at once. Pure; no I/O.
 */
export type JsonLineStep =
  /** A whole object (`text` without the array's `[`, `,`, `]` around it). */
  | { kind: 'record'; text: string }
  /** Array punctuation or a line inside an object that is not finished yet. */
  | { kind: 'skip' }
  /** A line that opens no object: the caller decides (usually a reject). */
  | { kind: 'other'; text: string }
  /** An object grew past the bound: given up, `text` holds its start. */
  | { kind: 'too_long'; text: string };

export class JsonLineAssembler {
  private parts: string[] = [];
  private size = 0;
  private depth = 0;
  private inString = false;
  private escape = false;

  constructor(private readonly maxChars = 1 << 20) {}

  /** True while an object is open across lines. */
  get open(): boolean {
    return this.parts.length > 0;
  }

  push(line: string): JsonLineStep {
    let t = line.trim();
    if (!this.open) {
      while (t.startsWith('[')) t = t.slice(1).trimStart();
      if (t === '' || /^[\],\s]*$/.test(t)) return { kind: 'skip' };
      if (t.charCodeAt(0) !== 0x7b) return { kind: 'other', text: line };
      // Only a bare `{` opens a multi-line object (the first line of pretty-printed JSON): a cut-off
      // one-line record (`{"a":`) stays one record, rejected on its own, and never swallows the lines after it.
      if (t !== '{') return { kind: 'record', text: t.replace(/,\s*$/, '') };
      this.depth = 0;
      this.inString = false;
      this.escape = false;
    }
    const end = this.scan(t);
    if (end >= 0) {
      const text = (this.parts.join('\n') + (this.open ? '\n' : '') + t.slice(0, end + 1)).trim();
      this.parts = [];
      this.size = 0;
      return { kind: 'record', text };
    }
    this.parts.push(t);
    this.size += t.length + 1;
    if (this.size > this.maxChars) {
      const text = this.parts.join('\n').slice(0, 200);
      this.parts = [];
      this.size = 0;
      return { kind: 'too_long', text };
    }
    return { kind: 'skip' };
  }

  /** Index in `t` where the outermost object closes, or -1 when it is still open. */
  private scan(t: string): number {
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === 0x5c) this.escape = true;
        else if (c === 0x22) this.inString = false;
        continue;
      }
      if (c === 0x22) this.inString = true;
      else if (c === 0x7b || c === 0x5b) this.depth++;
      else if (c === 0x7d || c === 0x5d) {
        this.depth--;
        if (this.depth === 0) return i;
      }
    }
    return -1;
  }
}
