import type { CoverageView } from './options';

/** What one ingested source covers: its component, hop and the span of minutes it has records for (epoch ms). */
export interface SourceSpan {
  component: string;
  hop: number;
  first: number;
  last: number;
}

/**
 * A coverage view over source spans, with a margin (default 10 min) around each span because
 * sources log late and clocks differ.
 */
export function coverageFromSpans(spans: readonly SourceSpan[], marginMs = 10 * 60_000): CoverageView {
  const within = (s: SourceSpan, t: number) => t >= s.first - marginMs && t <= s.last + marginMs;
  return {
    hasDeeperThan: (hop, t) => spans.some((s) => s.hop > hop && within(s, t)),
    hasShallowerThan: (hop, t) => spans.some((s) => s.hop < hop && within(s, t)),
    nearestDeeperHop: (hop, t) => {
      let best: number | undefined;
      for (const s of spans) if (s.hop > hop && within(s, t) && (best === undefined || s.hop < best)) best = s.hop;
      return best;
    },
    hasComponent: (component, t) => spans.some((s) => s.component === component && within(s, t)),
  };
}

/**
 * Component and hop of the sources whose logs denytrace reads, for coverage by dataset (the store
 * counts records per dataset). A web ACL's hop depends on what it is attached to; for coverage the
 * edge position is assumed.
 */
export const DATASET_POSITION: Readonly<Record<string, { component: string; hop: number }>> = {
  'aws.waf': { component: 'aws-waf', hop: 10 },
  'aws.cloudfront': { component: 'cloudfront', hop: 20 },
  'aws.elb': { component: 'alb', hop: 40 },
  'nginx.access': { component: 'nginx', hop: 50 },
  'nginx.error': { component: 'nginx', hop: 50 },
  'app.audit': { component: 'app', hop: 60 },
};

const LAYER_HOP: Readonly<Record<string, number>> = { waf: 10, cdn: 20, gateway: 45, app: 60 };

/** Source span of a dataset's coverage row; unknown datasets are placed by their layer. */
export function spanOfDataset(dataset: string, layer: string, first: number, last: number): SourceSpan {
  const pos = DATASET_POSITION[dataset];
  return { component: pos?.component ?? dataset, hop: pos?.hop ?? LAYER_HOP[layer] ?? 45, first, last };
}
