import { toDeploy, type Deploy } from '@denytrace/schema';
import { z } from 'zod';
import { readContentHead } from './content-head';
import type { FileSummary, IngestDeps } from './ingest-types';
import { readLineBatches } from './line-reader';

/** One line of a deploy-events file: JSON with service, version, environment and started_at (finished_at, description, link optional). */
const DeployLine = z.object({
  service: z.string().min(1).max(200),
  version: z.string().min(1).max(200),
  environment: z.string().max(100).nullish(),
  started_at: z.string().min(1),
  finished_at: z.string().nullish(),
  description: z.string().max(2000).nullish(),
  link: z.string().max(2000).nullish(),
});

const HEAD_BYTES = 8192;
const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * Whether these first lines are deploy events: at least half of the non-blank ones are JSON objects
 * with string service, version and started_at, and every line starts like a JSON object — so one
 * broken line does not turn a deploys file into an unknown format (it is quarantined on its own).
 */
export function isDeploySample(lines: readonly string[]): boolean {
  const filled = lines.map((l) => l.trim()).filter((l) => l !== '');
  if (filled.length === 0 || !filled.every((l) => l.charCodeAt(0) === 0x7b)) return false;
  const deploys = filled.filter((l) => {
    try {
      const o = JSON.parse(l) as Record<string, unknown>;
      return typeof o.service === 'string' && typeof o.version === 'string' && typeof o.started_at === 'string';
    } catch {
      return false;
    }
  });
  return deploys.length * 2 >= filled.length;
}

/** Whether a file holds deploy events (looks at its first 8 KiB, decompressed if gzip; a partial last line is ignored). */
export async function isDeployFile(path: string): Promise<boolean> {
  const raw = await readContentHead(path, 2, false).catch(() => Buffer.alloc(0));
  const gzip = raw.length === 2 && raw[0] === GZIP_MAGIC[0] && raw[1] === GZIP_MAGIC[1];
  const head = (await readContentHead(path, HEAD_BYTES, gzip).catch(() => Buffer.alloc(0))).toString('utf8');
  const lines = head.split('\n');
  if (head.length >= HEAD_BYTES) lines.pop();
  return isDeploySample(lines.slice(0, 20));
}

/** Parses one deploy line: the deploy, or why the line was rejected. */
export function parseDeployLine(line: string, source: string): { deploy: Deploy } | { reason: 'invalid_json' | 'missing_field' | 'invalid_timestamp'; detail: string } {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (err) {
    return { reason: 'invalid_json', detail: err instanceof Error ? err.message : String(err) };
  }
  const r = DeployLine.safeParse(json);
  if (!r.success) return { reason: 'missing_field', detail: r.error.issues.map((i) => `${i.path.join('.') || 'record'}: ${i.message}`).join('; ') };
  try {
    return { deploy: toDeploy(r.data, source) };
  } catch (err) {
    return { reason: 'invalid_timestamp', detail: (err as Error).message };
  }
}

/**
 * Records the deploys of a deploy-events file (`{"service","version","environment","started_at","finished_at"}`
 * per line) with `store.recordDeploys`; bad lines are counted and quarantined like log lines. Re-reading
 * the file stores nothing new (deploy ids are content hashes). The summary's format is `deploys`;
 * `records` counts deploys read, `stored` new ones.
 */
export async function ingestDeployFile(path: string, deps: IngestDeps): Promise<FileSummary> {
  const s: FileSummary = {
    file: path, format: 'deploys', records: 0, stored: 0, duplicates: 0, refusals: 0, rejected: 0, rejected_by_reason: {}, unknown_fields: {},
    skipped_lines: 0, skipped: null, already_ingested: false, first_event: null, last_event: null, resumed_from_line: 0,
  };
  const deploys: Deploy[] = [];
  const quarantine = [];
  for await (const batch of readLineBatches(path, {})) {
    if (!Array.isArray(batch)) {
      s.skipped_lines += batch.summary.blank_lines;
      break;
    }
    for (const item of batch) {
      const r = item.kind === 'line' ? parseDeployLine(item.text, `file:${path}`) : { reason: item.error.reason, detail: item.error.detail };
      if ('deploy' in r) {
        deploys.push(r.deploy);
        s.records += 1;
        const t = r.deploy.started_at;
        if (s.first_event === null || t < s.first_event) s.first_event = t;
        if (s.last_event === null || t > s.last_event) s.last_event = t;
        continue;
      }
      s.rejected += 1;
      s.rejected_by_reason[r.reason] = (s.rejected_by_reason[r.reason] ?? 0) + 1;
      quarantine.push({ source_file: path, line: item.lineNo, reason: r.reason, detail: r.detail, raw: item.kind === 'line' ? item.text.slice(0, 4096) : item.error.raw });
    }
  }
  const r = await deps.store.recordDeploys(deploys);
  s.stored = r.inserted;
  s.duplicates = deploys.length - r.inserted;
  s.already_ingested = deploys.length > 0 && r.inserted === 0 && r.updated === 0;
  if (quarantine.length) await deps.store.quarantine(quarantine);
  return s;
}
