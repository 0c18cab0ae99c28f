import { dedupKey } from '../dedup';
import type { NotificationEvent, Spike, WebhookSubscription } from '../subscription-match';
import { slackCode, slackText, truncateEscaped } from '../text';
import { DEDUP_HEADER, EVENT_HEADER, KIND_LABEL, type FormatOptions, type FormattedPayload } from './format.types';
import { factor, httpUrl, percent, perMin, spikeLink } from './format-util';

/** Slack's limits (https://api.slack.com/reference/block-kit/blocks): header text 150, section text 3000, section field text 2000, 10 fields, 10 context elements. */
export const SLACK_LIMITS = { header: 150, sectionText: 3000, fieldText: 2000, fields: 10, contextElements: 10 } as const;
/** The bound we keep the fallback `text` to (Slack truncates very long messages; 3000 reads fully in a notification). */
const FALLBACK_MAX = 3000;

type PlainText = { type: 'plain_text'; text: string };
type Mrkdwn = { type: 'mrkdwn'; text: string; verbatim: true };
export type SlackBlock =
  | { type: 'header'; text: PlainText }
  | { type: 'section'; text?: Mrkdwn; fields?: Mrkdwn[] }
  | { type: 'context'; elements: Mrkdwn[] };
/** The message body posted to a Slack incoming webhook. */
export interface SlackMessage { text: string; blocks: SlackBlock[] }

const md = (text: string): Mrkdwn => ({ type: 'mrkdwn', text, verbatim: true });
/** A labelled field: `*Label*\n<value>`, value already escaped, bounded to the field limit. */
const field = (label: string, value: string): Mrkdwn => md(truncateEscaped(`*${label}*\n${value}`, SLACK_LIMITS.fieldText));

/** `<url|label>` for an http(s) URL (`&`, `<`, `>`, `|` made safe inside it), else null. `label` is escaped by the caller. */
function slackLink(url: string | null | undefined, label: string): string | null {
  const href = httpUrl(url);
  if (!href) return null;
  const safe = href.replace(/[|<>]/g, (c) => encodeURIComponent(c)).replace(/&/g, '&amp;');
  return `<${safe}|${label}>`;
}

/**
 * A Slack Block Kit message for a spike (https://api.slack.com/reference/block-kit/blocks), for an
 * incoming webhook: a `header` block (plain_text, ≤ 150 characters), a `section` with the
 * spike's summary (mrkdwn, ≤ 3000) and up to 9 labelled fields (dimension and value, emitting
 * layer, decisive rule, 403s, deny ratio, magnitude, window, and the scope and deploy when the spike
 * has them; each ≤ 2000), a `context` block with sample trace ids, the dedup key and the dashboard
 * link, and a top-level fallback `text` (shown in notifications and where blocks cannot be).
 *
 * Every text from logs is escaped (`&`, `<`, `>` per "Escaping text",
 * https://api.slack.com/reference/surfaces/formatting#escaping — so `<!channel>` or `<@U…>` in a
 * rule id shows as text), broadcast words (`@here`) broken by a word joiner, control characters
 * stripped, and log values shown as inline code with backticks replaced, so they cannot format the
 * message. mrkdwn objects carry `verbatim: true`: Slack does not auto-link or auto-parse mentions
 * in them. Links are only http(s) URLs (the dashboard, the deploy's link).
 */
export function formatSlack(spike: Spike, event: NotificationEvent, sub: WebhookSubscription, opts: FormatOptions = {}): FormattedPayload {
  const key = dedupKey(spike, sub);
  const kind = KIND_LABEL[spike.kind];
  const lead = event === 'firing' ? `403 spike firing: ${kind}` : `Resolved: 403 spike, ${kind}`;
  const header = slackText(`${lead}, ${spike.value}`, SLACK_LIMITS.header);
  const summary = slackText(spike.summary, SLACK_LIMITS.sectionText) || slackText(lead, SLACK_LIMITS.sectionText);

  const em = spike.top_emitter;
  const fields: Mrkdwn[] = [
    field('Dimension', `${slackCode(spike.dimension)} = ${slackCode(spike.value)}`),
    field('Emitting layer', `${slackCode(em.layer)} (${slackCode(em.component)}), ${percent(em.share)} of the 403s`),
    field('Decisive rule', em.rule_id === null ? 'none named' : slackCode(em.rule_id)),
    field('403s', `${spike.denied} (${perMin(spike.observed.denied_per_min)}, baseline ${perMin(spike.baseline.denied_per_min)})`),
    field('Deny ratio', `${percent(spike.observed.deny_ratio)} (baseline ${percent(spike.baseline.deny_ratio)})`),
    field('Magnitude', factor(spike.magnitude)),
    field('Window', `${slackText(spike.start, 40)} → ${spike.end === null ? 'still firing' : slackText(spike.end, 40)}`),
  ];
  const scope: string[] = [];
  const service = spike.service ?? spike.deploy?.service;
  if (service !== undefined) scope.push(`service ${slackCode(service)}`);
  if (spike.role !== undefined) scope.push(`role ${slackCode(spike.role)}`);
  if (spike.route !== undefined) scope.push(`route ${slackCode(spike.route)}`);
  if (spike.method_class !== undefined) scope.push(spike.method_class === 'write' ? 'writes' : 'reads');
  if (scope.length) fields.push(field('Scope', scope.join(', ')));
  if (spike.deploy) {
    const d = spike.deploy;
    const env = d.environment !== undefined ? ` in ${slackCode(d.environment)}` : '';
    const what = `${slackCode(d.service)} ${slackCode(d.version)}${env}, started ${slackText(d.started_at, 40)}`;
    const link = slackLink(d.link, 'deploy');
    fields.push(field('Deploy', link ? `${what} (${link})` : what));
  }

  const context: string[] = [];
  const samples = spike.sample_trace_ids.slice(0, 3).map((id) => slackCode(id, 100));
  if (samples.length) context.push(`Sample traces: ${samples.join(', ')}`);
  context.push(`Dedup key ${slackCode(key)}`);
  const dash = slackLink(spikeLink(spike, opts.dashboardUrl), 'Open in denytrace');
  if (dash) context.push(dash);

  const message: SlackMessage = {
    text: slackText(`${lead}: ${spike.summary}`, FALLBACK_MAX),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: header } },
      { type: 'section', text: md(summary), fields: fields.slice(0, SLACK_LIMITS.fields) },
      { type: 'context', elements: context.slice(0, SLACK_LIMITS.contextElements).map(md) },
    ],
  };
  return {
    body: JSON.stringify(message),
    contentType: 'application/json',
    headers: { [EVENT_HEADER]: event === 'firing' ? 'spike.firing' : 'spike.resolved', [DEDUP_HEADER]: key },
  };
}
