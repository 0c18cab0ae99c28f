import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { LAYERS, type Deploy, type Spike, type Summary } from './api';
import { count, el, percent, replace, utcMinute } from './dom';

/** Colour of each emitting layer (and `unknown`: no layer proved it). */
export const LAYER_COLORS: Record<string, string> = { waf: '#f76707', cdn: '#4dabf7', gateway: '#9775fa', app: '#51cf66', unknown: '#868e96' };
const RATIO_COLOR = '#ffd43b';

/** What one draw of the chart shows. */
export interface ChartInput {
  summary: Summary;
  deploys: Deploy[];
  spikes: Spike[];
  /** Called with a layer when its legend entry is clicked. */
  onLayer: (layer: string) => void;
}

/**
 * The 403s over time, stacked by emitting layer (waf at the bottom, then cdn, gateway, app, unknown),
 * with the deny ratio (403s / requests of the widest layer) as a line on a right-hand % axis, deploys
 * as dashed vertical markers labelled `service version`, and spike windows shaded. Times are UTC.
 * The legend (own DOM, text only) gives each layer's total and a hover readout of one bucket.
 */
export class LayerChart {
  private plot: uPlot | undefined;
  private readonly plotBox = el('div', { class: 'plot' });
  private readonly legend = el('div', { class: 'legend' });
  private readonly readout = el('div', { class: 'readout muted' });
  private input: ChartInput | undefined;
  private raw: number[][] = [];
  private layers: string[] = [];

  constructor(private readonly box: HTMLElement) {
    replace(box, this.plotBox, el('div', { class: 'legend-row' }, this.legend, this.readout));
    new ResizeObserver(() => this.plot?.setSize(this.size())).observe(box);
  }

  /** Draws (or redraws) the chart from a `groupBy=layer` summary. */
  render(input: ChartInput): void {
    this.input = input;
    const { summary } = input;
    const extra = summary.keys.filter((k) => !(LAYERS as readonly string[]).includes(k));
    this.layers = [...LAYERS, ...extra];
    const xs = summary.buckets.map((b) => Date.parse(b.bucket) / 1000);
    this.raw = this.layers.map((l) => summary.buckets.map((b) => b.counts[l] ?? 0));
    // Stacked: each series is the running sum up to its layer, drawn top-most first so lower ones cover it.
    const cumulative: number[][] = [];
    this.raw.forEach((row, i) => cumulative.push(row.map((v, j) => v + (i ? cumulative[i - 1][j] : 0))));
    const ratio = summary.buckets.map((b) => {
      const denied = Object.values(b.counts).reduce((a, c) => a + c, 0);
      return b.requests > 0 ? denied / b.requests : null;
    });
    const order = this.layers.map((_, i) => i).reverse();
    const data: uPlot.AlignedData = [xs, ...order.map((i) => cumulative[i]), ratio];
    this.plot?.destroy();
    const span = Date.parse(summary.until) - Date.parse(summary.since);
    const bars = uPlot.paths.bars!({ size: [0.92, 40], gap: 1 });
    this.plot = new uPlot({
      ...this.size(),
      legend: { show: false },
      cursor: { points: { show: false }, drag: { x: false, y: false } },
      scales: { x: { time: true, range: [Date.parse(summary.since) / 1000, Date.parse(summary.until) / 1000] }, ratio: { range: (_u, _min, max) => [0, Math.max(0.05, (max ?? 0) * 1.15)] } },
      axes: [
        { stroke: '#adb5bd', grid: { stroke: '#2c2f36' }, ticks: { stroke: '#2c2f36' }, values: (_u, ticks) => ticks.map((t) => tickLabel(t * 1000, span)) },
        { stroke: '#adb5bd', grid: { stroke: '#2c2f36' }, ticks: { stroke: '#2c2f36' }, size: 50, label: '403s', labelSize: 18 },
        { scale: 'ratio', side: 1, stroke: RATIO_COLOR, grid: { show: false }, size: 56, values: (_u, ticks) => ticks.map((t) => percent(t)) },
      ],
      series: [
        { value: (_u, v) => (v == null ? '' : utcMinute(v * 1000)) },
        ...order.map((i) => ({ label: this.layers[i], fill: LAYER_COLORS[this.layers[i]] ?? '#adb5bd', stroke: LAYER_COLORS[this.layers[i]] ?? '#adb5bd', width: 0, paths: bars, points: { show: false } })),
        { label: 'deny ratio', scale: 'ratio', stroke: RATIO_COLOR, width: 1.5, points: { show: false }, spanGaps: false },
      ],
      hooks: {
        drawClear: [(u) => this.shadeSpikes(u)],
        draw: [(u) => this.markDeploys(u)],
        setCursor: [(u) => this.showBucket(u.cursor.idx ?? undefined)],
      },
    }, data, this.plotBox);
    this.renderLegend();
    this.showBucket(undefined);
  }

  /** The per-layer totals of the current summary, as the legend shows them (for tests and the headline). */
  totals(): Record<string, number> {
    return Object.fromEntries(this.layers.map((l, i) => [l, this.raw[i].reduce((a, b) => a + b, 0)]));
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(320, this.box.clientWidth), height: 300 };
  }

  private renderLegend(): void {
    const totals = this.totals();
    replace(this.legend, ...this.layers.map((l) => {
      const b = el('button', { type: 'button', class: 'legend-item', title: `filter on ${l}`, data: { layer: l, total: String(totals[l]) } },
        el('span', { class: `swatch swatch-${l in LAYER_COLORS ? l : 'unknown'}` }), l, ' ', el('b', {}, count(totals[l])));
      b.addEventListener('click', () => this.input?.onLayer(l));
      return b;
    }), el('span', { class: 'legend-item' }, el('span', { class: 'swatch swatch-ratio' }), 'deny ratio'));
  }

  private showBucket(idx: number | undefined): void {
    const s = this.input?.summary;
    if (!s) return;
    if (idx === undefined || !s.buckets[idx]) {
      replace(this.readout, `${s.interval} buckets · UTC`);
      return;
    }
    const b = s.buckets[idx];
    const denied = Object.values(b.counts).reduce((a, c) => a + c, 0);
    replace(this.readout, `${utcMinute(b.bucket)} UTC · `, ...this.layers.filter((l) => b.counts[l]).map((l) => `${l} ${b.counts[l]} · `),
      `${count(denied)} 403s of ${count(b.requests)} requests`, b.requests ? ` (${percent(denied / b.requests)})` : '');
  }

  /** Spike windows as translucent red bands behind the bars. */
  private shadeSpikes(u: uPlot): void {
    const { ctx } = u;
    const top = u.bbox.top;
    const h = u.bbox.height;
    ctx.save();
    for (const sp of this.input?.spikes ?? []) {
      const x0 = u.valToPos(Date.parse(sp.start) / 1000, 'x', true);
      const x1 = u.valToPos((sp.end ? Date.parse(sp.end) : Date.now()) / 1000, 'x', true);
      const left = Math.max(u.bbox.left, x0);
      const right = Math.min(u.bbox.left + u.bbox.width, x1);
      if (right <= left) continue;
      ctx.fillStyle = sp.status === 'firing' ? 'rgba(250, 82, 82, 0.22)' : 'rgba(250, 82, 82, 0.10)';
      ctx.fillRect(left, top, Math.max(2, right - left), h);
    }
    ctx.restore();
  }

  /** Deploys as dashed lines with `service version` written on the canvas (canvas text: never HTML). */
  private markDeploys(u: uPlot): void {
    const { ctx } = u;
    const dpr = devicePixelRatio || 1;
    ctx.save();
    ctx.setLineDash([4 * dpr, 3 * dpr]);
    ctx.strokeStyle = '#e9ecef';
    ctx.fillStyle = '#e9ecef';
    ctx.lineWidth = dpr;
    ctx.font = `${11 * dpr}px system-ui, sans-serif`;
    let row = 0;
    for (const d of this.input?.deploys ?? []) {
      const x = u.valToPos(Date.parse(d.started_at) / 1000, 'x', true);
      if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
      const label = `▲ ${d.service} ${d.version}`.slice(0, 60);
      const w = ctx.measureText(label).width;
      ctx.fillText(label, Math.min(x + 3 * dpr, u.bbox.left + u.bbox.width - w), u.bbox.top + (12 + 13 * (row++ % 3)) * dpr);
    }
    ctx.restore();
  }
}

/** An x-axis label, UTC: `14:05` within a day and a half, `03-12 14:05` beyond. */
function tickLabel(ms: number, spanMs: number): string {
  const text = utcMinute(ms);
  return spanMs <= 36 * 3_600_000 ? text.slice(11) : text.slice(5);
}
