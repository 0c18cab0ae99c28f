import { terminalSafe } from './terminal-safe';

describe('terminalSafe', () => {
  it('makes terminal escape sequences visible instead of live', () => {
    // ESC ] 0 ; title BEL sets a terminal title; ESC [ 2 J clears the screen.
    expect(terminalSafe('a\u001b]0;pwned\u0007b\u001b[2Jc')).toBe('a\\x1b]0;pwned\\x07b\\x1b[2Jc');
  });

  it('escapes C1 controls and bidi overrides, keeps ordinary text', () => {
    expect(terminalSafe('x\u009by\u202ez')).toBe('x\\x9by\\u{202e}z');
    expect(terminalSafe('Mozilla/5.0 (X11; Linux) – ok')).toBe('Mozilla/5.0 (X11; Linux) – ok');
  });

  it('keeps newlines only when asked', () => {
    expect(terminalSafe('a\nb')).toBe('a\\x0ab');
    expect(terminalSafe('a\nb', true)).toBe('a\nb');
  });
});
