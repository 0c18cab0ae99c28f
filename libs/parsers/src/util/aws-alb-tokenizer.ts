/**
 * Splits an Elastic Load Balancing access-log line into fields: separated by spaces, a field that
 * starts with `"` runs to the next unescaped `"` (it may contain spaces; `\"` and `\\` are
 * unescaped). One pass over the line, no regular expressions, so a hostile line costs linear time.
 * Format: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html
 *
 * Returns the fields (quotes removed), or a string describing why the line cannot be split
 * (an unterminated quote).
 */
export function tokenizeAlb(line: string): string[] | string {
  const out: string[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    while (i < n && line.charCodeAt(i) === 0x20) i++;
    if (i >= n) break;
    if (line.charCodeAt(i) === 0x22 /* " */) {
      i++;
      let start = i;
      let buf = '';
      let closed = false;
      while (i < n) {
        const c = line.charCodeAt(i);
        if (c === 0x5c /* \ */ && i + 1 < n) {
          const next = line.charCodeAt(i + 1);
          if (next === 0x22 || next === 0x5c) {
            buf += line.slice(start, i) + line[i + 1];
            i += 2;
            start = i;
            continue;
          }
        }
        if (c === 0x22) {
          closed = true;
          break;
        }
        i++;
      }
      if (!closed) return `unterminated quote in field ${out.length + 1}`;
      out.push(buf + line.slice(start, i));
      i++; // closing quote
    } else {
      const start = i;
      while (i < n && line.charCodeAt(i) !== 0x20) i++;
      out.push(line.slice(start, i));
    }
  }
  return out;
}
