import type { StackOptions } from './stack-model';
import {
  INCIDENT_BAD_VERSION, INCIDENT_COUNTRY, INCIDENT_SERVICE, SERVICES, WAF_GEO_BLOCKED,
} from './stack-world';

/** One deploy event, as a deploy hook reports it (`deploys.jsonl`); times ISO-8601 UTC (s). */
export interface DeployEvent {
  service: string;
  version: string;
  environment: string;
  started_at: string;
  finished_at: string;
}

/** A time window, epoch ms, start included, end excluded. */
export interface Window { startMs: number; endMs: number }

/**
 * When things change during a run, placed at fixed fractions of its expected length
 * (`requests / ratePerSecond`): a benign deploy of catalog-service at 20 %; with incidents, the geo
 * rule also blocks {@link INCIDENT_COUNTRY} from 30 % to 36 % (region-wide block) and
 * {@link INCIDENT_SERVICE} {@link INCIDENT_BAD_VERSION} rolls out at 55 % and is rolled back at 70 %
 * (post-rollout write denial). Rolling deploys take 2 % of the run, 30 s to 4 min: meanwhile both
 * versions serve.
 */
export class StackTimeline {
  readonly startMs: number;
  readonly durationMs: number;
  readonly geoIncident: Window | null;
  readonly deploys: DeployEvent[] = [];
  private readonly rollouts: Array<{ service: string; version: string; startMs: number; endMs: number }> = [];
  private readonly baseGeo: ReadonlySet<string> = new Set(WAF_GEO_BLOCKED);
  private readonly incidentGeo: ReadonlySet<string> = new Set([...WAF_GEO_BLOCKED, INCIDENT_COUNTRY]);

  constructor(opts: StackOptions) {
    this.startMs = opts.start.getTime();
    this.durationMs = (opts.requests / (opts.ratePerSecond ?? 10)) * 1000;
    const at = (f: number) => Math.floor((this.startMs + f * this.durationMs) / 1000) * 1000;
    const rollMs = Math.min(240_000, Math.max(30_000, 0.02 * this.durationMs));
    const deploy = (service: string, version: string, startMs: number) => {
      this.rollouts.push({ service, version, startMs, endMs: startMs + rollMs });
      this.deploys.push({
        service, version, environment: 'production',
        started_at: new Date(startMs).toISOString().replace('.000Z', 'Z'),
        finished_at: new Date(startMs + rollMs).toISOString().replace('.000Z', 'Z'),
      });
    };
    deploy('catalog-service', '3.5.0', at(0.2));
    this.geoIncident = null;
    if (opts.incidents) {
      this.geoIncident = { startMs: at(0.3), endMs: at(0.36) };
      deploy(INCIDENT_SERVICE, INCIDENT_BAD_VERSION, at(0.55));
      const before = SERVICES.find((s) => s.name === INCIDENT_SERVICE)!.version;
      deploy(INCIDENT_SERVICE, before, at(0.7));
    }
  }

  /** Countries the web ACL's geo rule blocks at `ms`. */
  geoBlocked(ms: number): ReadonlySet<string> {
    const w = this.geoIncident;
    return w && ms >= w.startMs && ms < w.endMs ? this.incidentGeo : this.baseGeo;
  }

  /** The version of `service` that serves a request at `ms`; `u` in [0,1) picks a pod during a rollout. */
  version(service: string, ms: number, u: number): string {
    let v = SERVICES.find((s) => s.name === service)?.version ?? '1.0.0';
    for (const r of this.rollouts) {
      if (r.service !== service || ms < r.startMs) continue;
      if (ms >= r.endMs || u < (ms - r.startMs) / (r.endMs - r.startMs)) v = r.version;
    }
    return v;
  }
}
