import type { Verdict, VerdictEvent } from '@denytrace/schema';

/**
 * Readable lines for a verdict: one per event in hop order saying what that layer did, then the
 * conclusion with the decisive rule, confidence, missing layers and flags. Plain text; the caller
 * escapes it for its medium.
 */
export function explain(v: Verdict): string[] {
  const lines = v.events.map((e, i) => `${i + 1}. ${describe(e)}`);
  if (v.emitting_layer) {
    const who = v.emitter ? `${v.emitting_layer} (${v.emitter.component})` : `${v.emitting_layer} (not logged)`;
    const rule = v.decisive_rule
      ? `decisive rule ${v.decisive_rule.id}${v.decisive_rule.ruleset ? ` in ${v.decisive_rule.ruleset}` : ''}`
      : 'no rule in the logs';
    lines.push(`Refused by ${who}; ${rule}. Confidence ${v.confidence_label} (${v.confidence}).`);
  } else {
    lines.push(v.status !== null && v.status >= 400 ? `The ${v.status} came from a layer whose log is not ingested; no layer can be named.` : 'No layer refused this request.');
  }
  if (v.missing_layers.length) lines.push(`Not ingested for this request, and would settle it: ${v.missing_layers.join(', ')}.`);
  if (v.join === 'match') lines.push('Some events were joined by matching method, path, client and time, not by a shared id.');
  for (const f of v.flags) lines.push(`Note: ${flagText(f)}`);
  return lines;
}

function describe(e: VerdictEvent): string {
  const at = `${e.component} [${e['@timestamp']}]`;
  const st = e.status !== null ? ` ${e.status}` : '';
  const act = e.action ? ` action=${e.action}` : '';
  const rule = e.rule ? ` rule ${e.rule.id}${e.rule.ruleset ? ` (${e.rule.ruleset})` : ''}` : '';
  const how = e.joined_by === 'match' ? ' (joined by match)' : '';
  switch (e.decision) {
    case 'deny':
      return `${at}${st} refused the request itself:${act}${rule}${e.evidence ? `; ${e.evidence}` : ''}${how}`;
    case 'pass':
      if (e.upstream_status !== null) return `${at}${st} forwarded the request; the next layer answered ${e.upstream_status}${how}`;
      return `${at}${st} let the request through${act}${how}`;
    default:
      return `${at}${st} logged the response; its log alone cannot tell whether it refused or passed an inner refusal${how}`;
  }
}

function flagText(f: string): string {
  if (f.startsWith('untrusted_id:')) return `id ${f.slice('untrusted_id:'.length)} links unrelated requests and was not used to join`;
  if (f.startsWith('clock_skew:')) return `the layers' clocks disagree by ${f.slice('clock_skew:'.length)}`;
  if (f.startsWith('outer_status:')) return `an outer layer logged a non-refusal status (${f.slice('outer_status:'.length)})`;
  if (f === 'deeper_layer_logged_nothing') return 'a deeper layer was ingested but logged nothing for this request';
  if (f === 'cdn_error_unexplained') return 'the CDN logged a refusal that neither its web ACL nor the origin logged';
  if (f === 'answered_after_allow') return 'the app allowed the call in its authorization check, then answered the refusal status itself (e.g. failed authentication)';
  if (f === 'deny_behind_emitter') return 'a layer behind the emitter also logged a refusal';
  return f;
}
