import type { Spike, Summary, Verdict } from './api';
import { count, el, percent, replace, utcMinute, utcTime } from './dom';
import { LAYER_COLORS } from './chart';
import { toFragment, type DashState, type FilterKey } from './state';

/**
 * A top list: the summary's keys, most 403s first, each a button that filters everything on it
 * (clicking the active one clears it). Keys come from logs: shown as text only.
 */
export function renderTop(list: HTMLElement, key: FilterKey, summary: Summary, active: string | undefined, onPick: (key: FilterKey, value: string | undefined) => void, limit = 10): void {
  const keys = summary.keys.slice(0, limit);
  if (keys.length === 0) {
    replace(list, el('li', { class: 'muted empty' }, 'no 403s'));
    return;
  }
  const max = summary.totals[keys[0]] || 1;
  replace(list, ...keys.map((k) => {
    const n = summary.totals[k];
    const button = el('button', { type: 'button', class: `top-item${k === active ? ' active' : ''}`, title: k, data: { key, value: k } },
      el('span', { class: 'top-name' }, k), el('span', { class: 'top-count' }, count(n)));
    const bar = el('span', { class: 'top-bar' });
    bar.style.width = `${Math.max(2, (n / max) * 100)}%`;
    button.prepend(bar);
    button.addEventListener('click', () => onPick(key, k === active ? undefined : k));
    return el('li', {}, button);
  }));
}

/** A label of a spike's kind. */
const KIND: Record<string, string> = {
  region_block: 'region block', source_network_block: 'network block', post_rollout_write_denial: 'post-rollout writes', new_rule: 'new rule',
};

/**
 * The spikes overlapping the range, firing first, each linking (by fragment) to its window with
 * 10 minutes either side. Summaries, values and rules come from logs: text only.
 */
export function renderSpikes(list: HTMLElement, spikes: Spike[], state: DashState): void {
  if (spikes.length === 0) {
    replace(list, el('li', { class: 'muted empty' }, 'no spikes in this range'));
    return;
  }
  const sorted = [...spikes].sort((a, b) => (a.status === b.status ? b.start.localeCompare(a.start) : a.status === 'firing' ? -1 : 1));
  replace(list, ...sorted.map((s) => {
    const from = Date.parse(s.start) - 600_000;
    const to = (s.end ? Date.parse(s.end) : Date.now()) + 600_000;
    const href = toFragment({ ...state, range: 'custom', from, to, trace: undefined });
    const emitter = s.top_emitter;
    return el('li', { class: `spike ${s.status}`, data: { kind: s.kind, spike: s.id } },
      el('div', { class: 'spike-head' },
        el('span', { class: `badge ${s.status}` }, s.status),
        el('span', { class: 'kind' }, KIND[s.kind] ?? s.kind),
        el('span', { class: 'value' }, s.value),
        el('a', { href, class: 'window', title: 'show this window' }, `${utcMinute(s.start)}–${s.end ? utcTime(s.end).slice(0, 5) : 'now'} UTC`)),
      el('div', { class: 'spike-summary' }, s.summary),
      el('div', { class: 'muted small' }, `${count(s.denied)} 403s · ${s.magnitude.toFixed(1)}× baseline`,
        emitter ? ` · ${emitter.layer ?? '?'} ${emitter.component ?? ''} ${emitter.rule_id ?? ''} (${percent(emitter.share)})` : ''));
  }));
}

/**
 * One request's verdict: the emitting layer and decisive rule, confidence, the explanation, and the
 * events in hop order with their raw lines. Every field comes from logs: text only.
 */
export function renderTrace(box: HTMLElement, id: string, v: Verdict | undefined, error: string | undefined, onClose: () => void): void {
  const close = el('button', { type: 'button', class: 'close', title: 'close' }, '×');
  close.addEventListener('click', onClose);
  if (!v) {
    replace(box, el('div', { class: 'panel-head' }, el('h2', {}, 'Request ', el('code', {}, id)), close), el('p', { class: 'error', role: 'alert' }, error ?? 'not found'));
    return;
  }
  const layer = v.emitting_layer ?? 'none proved';
  const rule = v.decisive_rule;
  const events = [...v.events].sort((a, b) => a.hop - b.hop || a['@timestamp'].localeCompare(b['@timestamp']));
  replace(box,
    el('div', { class: 'panel-head' }, el('h2', {}, 'Request ', el('code', {}, id)), close),
    el('div', { class: 'verdict', data: { layer: v.emitting_layer ?? '', rule: rule?.id ?? '' } },
      el('div', { class: 'verdict-main' },
        el('span', { class: `layer-tag layer-${v.emitting_layer && v.emitting_layer in LAYER_COLORS ? v.emitting_layer : 'unknown'}` }, layer),
        el('span', { class: 'verdict-status' }, String(v.status ?? '?')),
        v.emitter ? el('span', { class: 'muted' }, `by ${v.emitter.component} (${v.emitter.event.dataset})`) : null),
      el('dl', { class: 'facts' },
        el('dt', {}, 'decisive rule'), el('dd', { class: 'rule-id' }, rule ? rule.id : '—'),
        rule?.name ? el('dt', {}, 'rule name') : null, rule?.name ? el('dd', {}, rule.name) : null,
        rule?.ruleset ? el('dt', {}, 'ruleset') : null, rule?.ruleset ? el('dd', {}, rule.ruleset) : null,
        el('dt', {}, 'confidence'), el('dd', {}, `${v.confidence_label} (${v.confidence.toFixed(2)}), joined by ${v.join}${v.provisional ? ', provisional' : ''}`),
        v.missing_layers.length ? el('dt', {}, 'missing layers') : null, v.missing_layers.length ? el('dd', {}, v.missing_layers.join(', ')) : null,
        el('dt', {}, 'request'), el('dd', {}, `${v.request.method ?? ''} ${v.request.domain ?? ''}${v.request.path ?? ''}${v.request.query ? `?${v.request.query}` : ''}`),
        el('dt', {}, 'client'), el('dd', {}, [v.client.ip, v.client.country, v.client.network, v.client.organization].filter(Boolean).join(' · ')),
        el('dt', {}, 'first seen'), el('dd', {}, `${v.first_seen} `),
        v.flags.length ? el('dt', {}, 'flags') : null, v.flags.length ? el('dd', {}, v.flags.join(', ')) : null)),
    el('h3', {}, 'Explanation'),
    el('ol', { class: 'explanation' }, ...v.explanation.map((line) => el('li', {}, line))),
    el('h3', {}, 'Events in hop order'),
    el('ol', { class: 'events' }, ...events.map((e) => el('li', { class: `event decision-${e.decision}` },
      el('div', { class: 'event-head' },
        el('span', { class: 'hop' }, `hop ${e.hop}`),
        el('span', { class: `layer-tag layer-${e.layer in LAYER_COLORS ? e.layer : 'unknown'}` }, e.layer),
        el('b', {}, e.component), ` ${e['@timestamp']} · ${e.status ?? '-'} · ${e.decision}${e.action ? ` (${e.action})` : ''}`,
        e.upstream_status !== null ? ` · upstream ${e.upstream_status}` : '',
        e.rule?.id ? ` · rule ${e.rule.id}` : '', ` · joined by ${e.joined_by}`),
      e.original ? el('pre', { class: 'raw' }, e.original) : null))));
}
