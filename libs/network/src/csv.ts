/**
 * Splits one CSV record (RFC 4180, https://www.rfc-editor.org/rfc/rfc4180): fields separated by
 * commas, optionally double-quoted, `""` inside quotes is one quote. A record spanning lines is not
 * supported: an unterminated quote returns undefined. Linear time, no regex.
 */
export function splitCsvLine(line: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    if (i < n && line.charCodeAt(i) === 0x22) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) return undefined;
        value += line.slice(j, q);
        if (line.charCodeAt(q + 1) === 0x22) {
          value += '"';
          j = q + 2;
          continue;
        }
        j = q + 1;
        break;
      }
      const comma = line.indexOf(',', j);
      // text after the closing quote is kept (lenient)
      value += comma < 0 ? line.slice(j) : line.slice(j, comma);
      out.push(value);
      if (comma < 0) return out;
      i = comma + 1;
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}
