/**
 * Text from logs is shown on a terminal only after this: C0 and C1 control characters (ESC, BEL,
 * CSI … — what terminal escape injection uses) and the Unicode bidi overrides become visible
 * `\xNN` / `\u{NNNN}` escapes, so a log line can never move the cursor, change colours, set the
 * window title or reorder text. Newlines and tabs are escaped too unless `keepNewlines`.
 */
export function terminalSafe(s: string, keepNewlines = false): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    if (keepNewlines && (c === '\n' || c === '\t')) return c;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** Shortens to `max` characters with an ellipsis. */
export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`;
}
