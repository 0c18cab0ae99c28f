import { Injectable } from '@nestjs/common';
import { ApiError } from '@denytrace/http';
import { DetectProducer } from '@denytrace/queue';
import { toDeploy, type Deploy, type DeployInput } from '@denytrace/schema';
import { InjectStore, type EventStore } from '@denytrace/store';
import { checkRange, unreadableTimes, utcIso, utcMs } from '../common/api-time';
import type { ListDeploysQuery } from './list-deploys.query';

/**
 * Deploys in the store: recording one (from the API or a GitHub webhook) asks for a detection run at
 * once, so the watch on the deployed service's writes starts without waiting for the next periodic
 * run. Throws {@link ApiError}s the error filter renders.
 */
@Injectable()
export class DeploysService {
  constructor(@InjectStore() private readonly store: EventStore, private readonly detect: DetectProducer) {}

  /**
   * Stores a validated deploy (times without a zone read as UTC) and asks for a detection run. The
   * same service, version, environment and started_at is the same deploy: it is updated
   * (finished_at, description, link given now win), not duplicated.
   * @returns the deploy as stored, and whether it was new.
   * @throws ApiError 400 `validation_failed` for a time that is not a calendar date-time, or finished_at before started_at.
   */
  async record(input: DeployInput, source: string): Promise<{ deploy: Deploy; created: boolean }> {
    const problems = unreadableTimes({ started_at: input.started_at, finished_at: input.finished_at });
    const started = utcMs(input.started_at);
    const finished = input.finished_at ? utcMs(input.finished_at) : undefined;
    if (problems.length === 0 && finished !== undefined && finished < started) problems.push({ field: 'finished_at', problems: ['finished_at must not be before started_at'] });
    if (problems.length) throw new ApiError(400, 'validation_failed', `invalid ${problems.map((p) => p.field).join(', ')}`, problems);

    const deploy = toDeploy({ ...input, started_at: utcIso(input.started_at)!, finished_at: utcIso(input.finished_at ?? undefined) ?? null }, source);
    const { inserted } = await this.store.recordDeploys([deploy]);
    const stored = (await this.store.listDeploys({ service: deploy.service, since: deploy.started_at, until: new Date(started + 1).toISOString(), limit: 10_000 })).find((d) => d.id === deploy.id);
    await this.detect.runSoon(`deploy ${deploy.service} ${deploy.version}`);
    return { deploy: stored ?? deploy, created: inserted > 0 };
  }

  /**
   * Deploys started in [since, until), of one service when given, oldest first.
   * @throws ApiError 400 `validation_failed` for an unreadable time or since ≥ until.
   */
  async list(q: ListDeploysQuery): Promise<{ items: Deploy[] }> {
    checkRange(q.since, q.until);
    return { items: await this.store.listDeploys({ since: utcIso(q.since), until: utcIso(q.until), service: q.service, limit: q.limit ?? 1000 }) };
  }
}
