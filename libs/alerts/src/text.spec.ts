import { slackCode, slackEscape, slackText, stripControl, truncate, truncateEscaped } from './text';

describe('stripControl', () => {
  it('turns line breaks and tabs into spaces and drops other controls, bidi overrides and zero-width characters', () => {
    expect(stripControl('a\tb\r\nc\u2028d')).toBe('a b  c d');
    expect(stripControl('x\u0000\u0007\u001b[2J\u007f\u0090y')).toBe('x[2Jy');
    expect(stripControl('admin\u202etxt.exe\u2066\u200b\ufeff')).toBe('admintxt.exe');
    expect(stripControl('São Paulo 🌊 ×84')).toBe('São Paulo 🌊 ×84');
  });
});

describe('truncate', () => {
  it('keeps short text, cuts long text to max with an ellipsis', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcdef', 4)).toBe('abc…');
  });
  it('never splits a surrogate pair', () => {
    // '🌊' is two UTF-16 units; cutting at 3 would leave half of it
    expect(truncate('ab🌊cd', 4)).toBe('ab…');
    expect(truncate('ab🌊cd', 5)).toBe('ab🌊…');
  });
});

describe('slackEscape (https://api.slack.com/reference/surfaces/formatting#escaping)', () => {
  it('escapes only &, <, > — the example of the Slack page', () => {
    expect(slackEscape('Hello & <world> 🌊')).toBe('Hello &amp; &lt;world&gt; 🌊');
    expect(slackEscape(`it's "quoted"`)).toBe(`it's "quoted"`);
  });
  it('neutralises special parsing and broadcast words', () => {
    expect(slackEscape('<!channel> <!here> <@U024BE7LH> <#C024BE7LR|general>')).toBe('&lt;!channel&gt; &lt;!here&gt; &lt;@U024BE7LH&gt; &lt;#C024BE7LR|general&gt;');
    expect(slackEscape('ping @here and @Channel, @everyone!')).toBe('ping @\u2060here and @\u2060Channel, @\u2060everyone!');
    expect(slackEscape('mail ops@heresy.example')).toBe('mail ops@heresy.example'); // not a broadcast word
  });
  it('an already escaped value is escaped again (it is data, shown as typed)', () => {
    expect(slackEscape('&lt;b&gt;')).toBe('&amp;lt;b&amp;gt;');
  });
});

describe('truncateEscaped / slackText', () => {
  it('does not cut an entity in half', () => {
    // 'ab&amp;cd' cut to 6: keeping 'ab&am' would show garbage; cut before the entity
    expect(truncateEscaped('ab&amp;cd', 6)).toBe('ab…');
    expect(truncateEscaped('ab&amp;cd', 8)).toBe('ab&amp;…');
    expect(slackText('<<<<', 9)).toBe('&lt;&lt;…');
  });
});

describe('slackCode', () => {
  it('wraps in backticks, replaces backticks, escapes, marks empty values', () => {
    expect(slackCode('rule-1')).toBe('`rule-1`');
    expect(slackCode('a`*b*`c')).toBe('`aˋ*b*ˋc`');
    expect(slackCode('<@U1>')).toBe('`&lt;@U1&gt;`');
    expect(slackCode('')).toBe('`-`');
    expect(slackCode('x'.repeat(50), 10)).toBe('`xxxxxxxxx…`');
  });
});
