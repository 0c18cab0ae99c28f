import type { DeployInput } from '@denytrace/schema';
import { DEPLOY_LIMITS } from './create-deploy.dto';

/** `deployment_status` states after which the rollout is over (GitHub: error, failure, inactive, in_progress, queued, pending, success). */
const FINISHED_STATES = new Set(['success', 'failure', 'error']);

type Json = Record<string, unknown>;
type Problem = { field: string; problems: string[] };

const obj = (v: unknown): Json | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const httpUrl = (v: unknown): string | undefined => {
  const s = text(v);
  return s && /^https?:\/\/\S+$/i.test(s) && s.length <= DEPLOY_LIMITS.link ? s : undefined;
};

/** `deployment.payload` is an object, or (deployments created with a string payload) JSON text. */
function payloadOf(deployment: Json): Json | undefined {
  const p = deployment['payload'];
  if (typeof p !== 'string') return obj(p);
  try {
    return obj(JSON.parse(p));
  } catch {
    return undefined;
  }
}

/**
 * The deploy a GitHub `deployment_status` webhook payload describes
 * (https://docs.github.com/en/webhooks/webhook-events-and-payloads#deployment_status):
 * - service: `deployment.payload.service` when the deployment was created with one, else `repository.name`;
 * - version: `deployment.ref` (branch, tag) or else `deployment.sha`;
 * - environment: `deployment.environment` (else `deployment_status.environment`);
 * - started_at: `deployment.created_at`; finished_at: `deployment_status.created_at` once the state
 *   is `success`, `failure` or `error` (null while `queued`, `pending`, `in_progress`);
 * - link: `deployment_status.log_url`, `target_url`, else `deployment.url` (http(s) only);
 * - description: `github <state> <sha, 12 hex>: <the status's or else the deployment's description>`.
 * Every status of one deployment gives the same deploy id (same service, version, environment and
 * start), so later statuses update the record. Returns every missing or bad field at once; never throws.
 */
export function deployFromDeploymentStatus(body: unknown): { ok: true; deploy: DeployInput } | { ok: false; problems: Problem[] } {
  const root = obj(body) ?? {};
  const deployment = obj(root['deployment']);
  const status = obj(root['deployment_status']);
  const repository = obj(root['repository']);
  const problems: Problem[] = [];
  if (!deployment) problems.push({ field: 'deployment', problems: ['deployment must be an object'] });
  if (!status) problems.push({ field: 'deployment_status', problems: ['deployment_status must be an object'] });
  if (!deployment || !status) return { ok: false, problems };

  const service = text(payloadOf(deployment)?.['service']) ?? text(repository?.['name']);
  const version = text(deployment['ref']) ?? text(deployment['sha']);
  const environment = text(deployment['environment']) ?? text(status['environment']) ?? '';
  const startedAt = text(deployment['created_at']);
  const state = text(status['state']) ?? 'unknown';
  const statusAt = text(status['created_at']);
  const check = (field: string, value: string | undefined, max: number, what: string) => {
    if (value === undefined) problems.push({ field, problems: [`${what} is missing`] });
    else if (value.length > max) problems.push({ field, problems: [`${what} is longer than ${max} characters`] });
  };
  check('repository.name', service, DEPLOY_LIMITS.service, 'the service (deployment.payload.service or repository.name)');
  check('deployment.ref', version, DEPLOY_LIMITS.version, 'the version (deployment.ref or deployment.sha)');
  check('deployment.environment', environment, DEPLOY_LIMITS.environment, 'the environment');
  const time = (field: string, v: string | undefined) => {
    if (v !== undefined && Number.isNaN(Date.parse(v))) problems.push({ field, problems: [`${field} is not an ISO-8601 time`] });
  };
  if (startedAt === undefined) problems.push({ field: 'deployment.created_at', problems: ['deployment.created_at is missing'] });
  time('deployment.created_at', startedAt);
  const finished = FINISHED_STATES.has(state);
  if (finished) time('deployment_status.created_at', statusAt);
  if (problems.length) return { ok: false, problems };

  const sha = text(deployment['sha']);
  const note = text(status['description']) ?? text(deployment['description']);
  const head = sha && sha !== version ? `github ${state} ${sha.slice(0, 12)}` : `github ${state}`;
  const description = (note ? `${head}: ${note}` : head).slice(0, DEPLOY_LIMITS.description);
  return {
    ok: true,
    deploy: {
      service: service!,
      version: version!,
      environment,
      started_at: startedAt!,
      finished_at: finished ? (statusAt ?? null) : null,
      description,
      link: httpUrl(status['log_url']) ?? httpUrl(status['target_url']) ?? httpUrl(deployment['url']) ?? null,
    },
  };
}
