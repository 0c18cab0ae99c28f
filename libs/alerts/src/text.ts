/**
 * Text from logs (rule ids, paths, roles, user agents, service names) made safe for a receiver:
 * control characters out, Slack's three control characters escaped, mentions neutralised, lengths
 * bounded. Pure functions; lengths are counted in UTF-16 code units (what JavaScript's `length`
 * counts, never fewer than Slack's characters), and a surrogate pair or an entity is never cut.
 */

/** Tab, line feed, carriage return, vertical tab, form feed, NEL and the Unicode line/paragraph separators: become one space. */
const SPACING_CONTROLS = /[\t\n\v\f\r\u0085\u2028\u2029]/g;
/**
 * Other C0 and C1 controls, DEL, and the bidirectional overrides/isolates/marks (a log value
 * could reorder the text around it, "Trojan Source" style) and zero-width characters: removed.
 */
const OTHER_CONTROLS = /[\u0000-\u0008\u000e-\u001f\u007f-\u0084\u0086-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/** One line of text: spacing controls → one space each, every other control character removed. */
export function stripControl(s: string): string {
  return s.replace(SPACING_CONTROLS, ' ').replace(OTHER_CONTROLS, '');
}

/** The marker appended to text that was cut. */
export const ELLIPSIS = '…';

/**
 * `s` at most `max` UTF-16 code units long: when longer, cut to `max - 1` units (never between
 * the halves of a surrogate pair) plus `…`. `max` must be ≥ 1.
 */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = max - 1;
  const c = s.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut -= 1; // a high surrogate would be left alone
  return s.slice(0, cut) + ELLIPSIS;
}

/** Plain text for a field that is not markup (PagerDuty, JSON): `stripControl`, then `truncate`. */
export function plainText(s: string, max: number): string {
  return truncate(stripControl(s), max);
}

/** `@here`, `@channel`, `@everyone` (any case): Slack's broadcast words when it parses text automatically. */
const BROADCAST = /@(here|channel|everyone)\b/gi;
/** U+2060 WORD JOINER: invisible, and breaks the word Slack would parse as a broadcast mention. */
const WORD_JOINER = '\u2060';

/**
 * Escape one piece of text for Slack (mrkdwn, plain_text, the fallback `text`): `&` → `&amp;`,
 * `<` → `&lt;`, `>` → `&gt;` — the only three Slack decodes ("Escaping text",
 * https://api.slack.com/reference/surfaces/formatting#escaping). That alone makes `<!channel>`,
 * `<!here>`, `<@U123>`, `<!subteam^S1>` and `<http://evil|click>` inert. Bare `@here`/`@channel`/
 * `@everyone` get a word joiner after the `@` (Slack may auto-parse them where `verbatim` is not
 * set, as in the fallback text). Control characters are stripped first.
 */
export function slackEscape(s: string): string {
  return stripControl(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(BROADCAST, (_m, word: string) => `@${WORD_JOINER}${word}`);
}

/**
 * Cut already-escaped Slack text to at most `max` code units, appending `…` when cut, never
 * inside an entity (`&amp;`, `&lt;`, `&gt;`) or a surrogate pair.
 */
export function truncateEscaped(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = max - 1;
  const amp = s.lastIndexOf('&', cut - 1);
  if (amp >= 0 && amp > cut - 5) {
    const semi = s.indexOf(';', amp);
    if (semi >= cut) cut = amp; // the entity would be split: cut before it
  }
  const c = s.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut -= 1;
  return s.slice(0, cut) + ELLIPSIS;
}

/** `slackEscape`, then at most `max` code units (`truncateEscaped`). */
export function slackText(s: string, max: number): string {
  return truncateEscaped(slackEscape(s), max);
}

/**
 * A log value shown as mrkdwn inline code: escaped (`slackEscape`), backticks replaced by
 * U+02CB `ˋ` (mrkdwn has no escape character, so a backtick would end the code span and let
 * `*`, `_`, `~` format what follows), bounded to `max` code units inside the backticks.
 * Empty values show as `-`.
 */
export function slackCode(s: string, max = 200): string {
  const inner = truncateEscaped(slackEscape(s).replace(/`/g, '\u02cb'), max);
  return inner === '' ? '`-`' : '`' + inner + '`';
}
