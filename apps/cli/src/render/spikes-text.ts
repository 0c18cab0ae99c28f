import Table from 'cli-table3';
import type { Spike } from '@denytrace/schema';
import { clip, terminalSafe } from './terminal-safe';

/** `denytrace spikes` for a terminal: one row per spike, then each spike's summary line. */
export function renderSpikes(spikes: readonly Spike[]): string {
  if (spikes.length === 0) return 'No spikes: no dimension rose significantly above its baseline with enough volume.';
  const t = new Table({ head: ['kind', 'value', 'start (UTC)', 'end', 'detected', '403s', 'top emitter'], style: { head: [], border: [], compact: true } });
  for (const s of spikes) {
    const e = s.top_emitter;
    t.push([
      s.kind,
      terminalSafe(clip(s.value, 40)),
      s.start.slice(0, 19).replace('T', ' '),
      s.end ? s.end.slice(11, 19) : 'firing',
      `+${Math.round((Date.parse(s.detected_at) - Date.parse(s.start)) / 1000)}s`,
      String(s.denied),
      terminalSafe(clip(`${e.layer} ${e.component}${e.rule_id ? ` ${e.rule_id}` : ''}`, 60)),
    ]);
  }
  const lines = spikes.map((s) => `- ${terminalSafe(s.summary)}${s.deploy ? ` [deploy ${terminalSafe(s.deploy.service)} ${terminalSafe(s.deploy.version)}]` : ''}`);
  return [`${spikes.length} spike${spikes.length === 1 ? '' : 's'}`, t.toString(), '', ...lines].join('\n');
}
