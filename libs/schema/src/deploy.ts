import { createHash } from 'node:crypto';

/**
 * A deploy or change of one service, as recorded by `POST /v1/deploys`, a GitHub
 * `deployment_status` webhook or a deploy-events file given to `denytrace ingest`.
 * Times are ISO-8601 UTC with milliseconds.
 */
export interface Deploy {
  /** Stable id: {@link deployId} of service, version, environment and started_at. */
  id: string;
  /** ECS `service.name` of the deployable (the name its app logs carry). */
  service: string;
  version: string;
  /** `production`, `staging` …; '' when not given. */
  environment: string;
  started_at: string;
  /** When the rollout finished; null while rolling or unknown. */
  finished_at: string | null;
  description: string | null;
  /** A link to the change (pull request, pipeline run). */
  link: string | null;
  /** Where the record came from: `api`, `github`, or `file:<path>`. */
  source: string;
}

/** The id of a deploy: the same service, version, environment and start always give the same id. */
export function deployId(d: Pick<Deploy, 'service' | 'version' | 'environment' | 'started_at'>): string {
  const h = createHash('sha256').update(`${d.service}\u0000${d.version}\u0000${d.environment}\u0000${d.started_at}`).digest('hex');
  return `dep_${h.slice(0, 20)}`;
}

/** A deploy as users send it: `POST /v1/deploys` body or one line of a deploy-events file. */
export interface DeployInput {
  service: string;
  version: string;
  environment?: string | null;
  started_at: string;
  finished_at?: string | null;
  description?: string | null;
  link?: string | null;
}

/** Normalizes a validated input: times to ISO-8601 UTC with ms, id from {@link deployId}. Throws RangeError for a time that does not parse. */
export function toDeploy(input: DeployInput, source: string): Deploy {
  const iso = (t: string, field: string): string => {
    const ms = Date.parse(t);
    if (Number.isNaN(ms)) throw new RangeError(`${field} is not an ISO-8601 time: ${JSON.stringify(t)}`);
    return new Date(ms).toISOString();
  };
  const base = { service: input.service, version: input.version, environment: input.environment ?? '', started_at: iso(input.started_at, 'started_at') };
  return {
    id: deployId(base),
    ...base,
    finished_at: input.finished_at ? iso(input.finished_at, 'finished_at') : null,
    description: input.description ?? null,
    link: input.link ?? null,
    source,
  };
}
