/**
 * Reassembles pretty-printed JSON records (one object over several lines, as vendors show them in
 * their documentation and as some shippers write them) from the lines of a file, for parsers whose
 * format may come either way. A line that holds a whole object is returned at once (the usual JSON
 * Lines case costs one string scan). Pure apart from its own buffer; one instance per file.
 *
 * Bounds: a record longer than {@link MAX_RECORD_LINES} lines or {@link MAX_RECORD_CHARS}
 * characters is given up (`too_long`) and its lines dropped until the next line starting with `{`.
 * A record still open when a new one starts at column 0 is given up (`unterminated`; not reported
 * when the new one is complete on its own line, which is returned instead). A record open
 * at the end of the input is not reported: a line parser is not told where the input ends.
 */
export const MAX_RECORD_LINES = 5000;
export const MAX_RECORD_CHARS = 1 << 20;

export type AssembleResult =
  | { kind: 'record'; text: string; firstLine: number }
  | { kind: 'pending' }
  | { kind: 'abandoned'; why: 'too_long' | 'unterminated'; firstLine: number };

export class JsonRecordAssembler {
  private parts: string[] = [];
  private chars = 0;
  private depth = 0;
  private inString = false;
  private escape = false;
  private firstLine = 0;
  private skipping = false;

  /** Feeds one physical line (no terminator). */
  push(line: string, lineNo: number): AssembleResult {
    const startsRecord = line.charCodeAt(0) === 0x7b; /* { */
    if (this.parts.length > 0 && startsRecord) {
      const first = this.firstLine;
      this.reset();
      this.begin(line, lineNo);
      // A one-line record is returned rather than the report of the open one: good input first.
      return this.depth === 0 ? this.take() : { kind: 'abandoned', why: 'unterminated', firstLine: first };
    }
    if (this.parts.length === 0) {
      if (!startsRecord && this.skipping) return { kind: 'pending' };
      this.skipping = false;
      this.begin(line, lineNo);
      return this.depth === 0 ? this.take() : { kind: 'pending' };
    }
    this.parts.push(line);
    this.chars += line.length + 1;
    this.scan(line);
    if (this.depth === 0) return this.take();
    if (this.parts.length > MAX_RECORD_LINES || this.chars > MAX_RECORD_CHARS) {
      const first = this.firstLine;
      this.reset();
      this.skipping = true;
      return { kind: 'abandoned', why: 'too_long', firstLine: first };
    }
    return { kind: 'pending' };
  }

  private begin(line: string, lineNo: number): void {
    this.parts = [line];
    this.chars = line.length;
    this.firstLine = lineNo;
    this.scan(line);
  }

  private take(): AssembleResult {
    const text = this.parts.length === 1 ? this.parts[0] : this.parts.join('\n');
    const first = this.firstLine;
    this.reset();
    return { kind: 'record', text, firstLine: first };
  }

  private reset(): void {
    this.parts = [];
    this.chars = 0;
    this.depth = 0;
    this.inString = false;
    this.escape = false;
  }

  /** Tracks object/array nesting outside strings. */
  private scan(s: string): void {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === 0x5c) this.escape = true;
        else if (c === 0x22) this.inString = false;
      } else if (c === 0x22) this.inString = true;
      else if (c === 0x7b || c === 0x5b) this.depth++;
      else if (c === 0x7d || c === 0x5d) this.depth--;
    }
    if (this.depth < 0) this.depth = 0;
  }
}

/**
 * The lines of a detection sample joined back into records (for `detect` of formats that may be
 * pretty-printed); a record left open at the end of the sample is returned as far as it goes.
 */
export function sampleRecords(sample: readonly string[]): string[] {
  const a = new JsonRecordAssembler();
  const out: string[] = [];
  let open: string[] = [];
  sample.forEach((l, i) => {
    const r = a.push(l, i + 1);
    if (r.kind === 'record') {
      out.push(r.text);
      open = [];
    } else if (r.kind === 'pending') open.push(l);
    else open = [l];
  });
  if (open.length) out.push(open.join('\n'));
  return out;
}
