import { dedupKey } from '../dedup';
import type { NotificationEvent, Spike, WebhookSubscription } from '../subscription-match';
import { plainText, stripControl } from '../text';
import { DEDUP_HEADER, EVENT_HEADER, type FormatOptions, type FormattedPayload } from './format.types';
import { httpUrl, spikeLink } from './format-util';

/** PagerDuty's limit on `payload.summary`, characters. */
export const PAGERDUTY_SUMMARY_MAX = 1024;
/** The Events API v2 endpoint a `pagerduty` subscription's `url` normally holds. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

/** A trigger event of the Events API v2 (the fields denytrace sends). */
export interface PagerDutyTrigger {
  routing_key: string;
  event_action: 'trigger';
  dedup_key: string;
  payload: {
    summary: string; source: string; severity: PagerDutySeverity; timestamp: string;
    component: string; group: string; class: string; custom_details: Record<string, unknown>;
  };
  client: 'denytrace';
  client_url?: string;
  links?: { href: string; text: string }[];
}
/** A resolve event: the routing key and dedup key of the trigger, nothing else. */
export interface PagerDutyResolve { routing_key: string; event_action: 'resolve'; dedup_key: string }

/** Options of the PagerDuty format: the common ones and the severity of triggers (default `error`). */
export interface PagerDutyFormatOptions extends FormatOptions { severity?: PagerDutySeverity }

const clean = (s: string, max = 255) => plainText(s, max);

/**
 * PagerDuty Events API v2 alert events (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/):
 * `firing` → `event_action: trigger`, `resolved` → `event_action: resolve` with the same `dedup_key`
 * (ours, `dedupKey(spike, subscription)`, 50 characters of PagerDuty's 255), so the alert the
 * trigger opened is the one resolved.
 *
 * `routing_key` is the subscription's `secret`: a PagerDuty integration key is a shared secret, so
 * it is stored, hidden and rotated as one (the subscription's `url` is the enqueue endpoint,
 * `https://events.pagerduty.com/v2/enqueue` or a regional one). The request is still signed with it
 * like every other format; PagerDuty ignores the header.
 *
 * Trigger payload: `summary` = the spike's summary, control characters stripped, at most 1024
 * characters (PagerDuty's limit); `source` = the service (`spike.service`, else the deploy's),
 * else `<layer>:<component>` of the top emitting layer; `severity` = `opts.severity` (default
 * `error`); `timestamp` = the spike's `start`; `component`/`group` = the top emitter's component
 * and layer; `class` = the spike kind; `custom_details` = the spike's dimension, numbers, decisive
 * rule, sample trace ids and deploy (strings control-stripped, ≤ 255 characters); `links` = the
 * dashboard page and the deploy link when they are http(s) URLs.
 */
export function formatPagerDuty(spike: Spike, event: NotificationEvent, sub: WebhookSubscription, opts: PagerDutyFormatOptions = {}): FormattedPayload {
  const key = dedupKey(spike, sub);
  const headers = { [EVENT_HEADER]: event === 'firing' ? 'spike.firing' : 'spike.resolved', [DEDUP_HEADER]: key };
  if (event === 'resolved') {
    const body: PagerDutyResolve = { routing_key: sub.secret, event_action: 'resolve', dedup_key: key };
    return { body: JSON.stringify(body), contentType: 'application/json', headers };
  }
  const em = spike.top_emitter;
  const service = spike.service ?? spike.deploy?.service;
  const details: Record<string, unknown> = {
    kind: spike.kind,
    dimension: clean(spike.dimension),
    value: clean(spike.value),
    start: spike.start,
    denied: spike.denied,
    observed: spike.observed,
    baseline: spike.baseline,
    magnitude: spike.magnitude,
    emitting_layer: clean(em.layer),
    emitting_component: clean(em.component),
    decisive_rule: em.rule_id === null ? null : clean(em.rule_id),
    emitter_share: em.share,
    sample_trace_ids: spike.sample_trace_ids.slice(0, 5).map((id) => clean(id)),
  };
  if (service !== undefined) details.service = clean(service);
  if (spike.role !== undefined) details.role = clean(spike.role);
  if (spike.route !== undefined) details.route = clean(spike.route);
  if (spike.method_class !== undefined) details.method_class = spike.method_class;
  if (spike.deploy) {
    const d = spike.deploy;
    details.deploy = { id: clean(d.id), service: clean(d.service), version: clean(d.version), environment: d.environment === undefined ? null : clean(d.environment), started_at: d.started_at };
  }
  const body: PagerDutyTrigger = {
    routing_key: sub.secret,
    event_action: 'trigger',
    dedup_key: key,
    payload: {
      summary: plainText(spike.summary, PAGERDUTY_SUMMARY_MAX),
      source: clean(service ?? `${em.layer}:${em.component}`),
      severity: opts.severity ?? 'error',
      timestamp: spike.start,
      component: clean(em.component),
      group: clean(em.layer),
      class: spike.kind,
      custom_details: details,
    },
    client: 'denytrace',
  };
  const links: { href: string; text: string }[] = [];
  const dash = spikeLink(spike, opts.dashboardUrl);
  if (dash) {
    body.client_url = dash;
    links.push({ href: dash, text: 'Spike in denytrace' });
  }
  const deployLink = httpUrl(spike.deploy?.link);
  if (deployLink && spike.deploy) links.push({ href: deployLink, text: stripControl(`Deploy ${spike.deploy.service} ${spike.deploy.version}`).slice(0, 255) });
  if (links.length) body.links = links;
  return { body: JSON.stringify(body), contentType: 'application/json', headers };
}
