import type { Spike } from '@denytrace/schema';

/** `HH:MM UTC` of an ISO time. */
function hhmm(iso: string): string {
  return `${iso.slice(11, 16)} UTC`;
}

function times(m: number): string {
  return m >= 100 ? `${Math.round(m)}×` : `${Math.round(m * 10) / 10}×`;
}

function emitter(s: Spike): string {
  const e = s.top_emitter;
  const rule = e.rule_id ? ` rule ${e.rule_id}` : '';
  return `${Math.round(e.share * 100)}% refused by ${e.layer} ${e.component}${rule}`;
}

/**
 * The one line a human reads first, e.g. "403s from BR up 40× since 12:35 UTC, 98% refused by waf
 * aws-waf rule geo-blocklist". Values come from logs: formats that render markup escape them.
 */
export function spikeSummary(s: Spike): string {
  switch (s.kind) {
    case 'region_block':
      return `403s from ${s.value} up ${times(s.magnitude)} since ${hhmm(s.start)}, ${emitter(s)}`;
    case 'source_network_block':
      return `403s from network ${s.value} (${s.sources} address${s.sources === 1 ? '' : 'es'}) up ${times(s.magnitude)} since ${hhmm(s.start)}, ${emitter(s)}${s.route ? `, mostly on ${s.route}` : ''}`;
    case 'post_rollout_write_denial': {
      const d = s.deploy;
      const after = d ? `after ${d.service} ${d.version} rolled out at ${hhmm(d.started_at)}` : `after a deploy of ${s.value}`;
      const who = s.role ? `writes by role ${s.role}` : `writes to ${s.value}`;
      const rule = s.top_emitter.rule_id ? ` (${s.top_emitter.rule_id}${s.top_emitter.share < 0.95 ? ' and others' : ''})` : '';
      return `${after}, ${who} are refused${rule} while reads pass`;
    }
    case 'new_rule':
      return `rule ${s.value} (${s.top_emitter.layer} ${s.top_emitter.component}), quiet before, refused ${s.denied} requests since ${hhmm(s.start)}`;
  }
}
