import { existsSync, readFileSync } from 'node:fs';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { InjectConfig, type DenytraceConfig } from '@denytrace/config';
import { BadGzipError, IngestError, PayloadTooLargeError, parseBody, type ParsedBody } from '@denytrace/ingest';
import { DenytraceMetrics } from '@denytrace/metrics';
import type { NetworkTable } from '@denytrace/network';
import type { ParserOptions } from '@denytrace/parsers';
import { CorrelateProducer, windowsForTimestamps } from '@denytrace/queue';
import { InjectStore, NETWORK_TABLE, type EventStore, type WindowVersion } from '@denytrace/store';
import { ApiError } from '@denytrace/http';
import { drainRequest } from './drain-request';

/** The 202 answer of `POST /v1/ingest`. */
export interface PushResult {
  /** Records parsed into events. */
  accepted: number;
  /** Records rejected (and quarantined under the request's source name), by reason. */
  rejected: number;
  rejected_by_reason: Record<string, number>;
  /** Format drift: records per `dataset/field` with a field their parser did not know. */
  unknown_fields: Record<string, number>;
  /** Records by format name. */
  formats: Record<string, number>;
  /** Events newly written (events with a refusal mark, or all with retention `all`). */
  stored: number;
  /** Events the store already held (same `event.id`). */
  duplicates: number;
  /** True when this exact body (same decompressed bytes and `format`) was ingested before: nothing was written again. */
  already_ingested: boolean;
}

/** The request parameters of one push. */
export interface PushRequest {
  format?: string;
  /** Name of the stream for quarantine (`http:<request id>` when not given). */
  source: string;
}

/**
 * Reads one pushed body (see `parseBody` in `@denytrace/ingest`) and writes it all at once:
 * 1. the body streams through gunzip and the line splitter into memory, bounded by
 *    `DENYTRACE_INGEST_MAX_BYTES` (decompressed) and that + 1 MiB (as sent); over → 413
 *    `payload_too_large`, corrupt or cut gzip → 400 `bad_gzip`, nothing written in either case;
 * 2. a body already ingested (same digest, remembered in the store as a `FileState` written in the
 *    same transaction as its events) writes nothing again: counters and quarantine would otherwise
 *    count twice (events alone are deduplicated by `event.id`). A shipper retrying after a lost
 *    answer gets `already_ingested: true` and the same counts;
 * 3. one `store.writeBatch` (events, per-minute counters, quarantine rows, the digest);
 * 4. the windows of the events' times are touched in that same transaction, then one `correlate-window`
 *    job per changed window (`CorrelateProducer.windowsChanged`). Done for a repeated body too, so a
 *    retry after a failed enqueue still gets its windows decided (re-deciding is idempotent);
 * 5. metrics `events_ingested_total{dataset,source="http"}` and `events_rejected_total{reason}` —
 *    not counted again for a repeated body.
 */
@Injectable()
export class PushIngestService {
  private readonly logger = new Logger('push');
  private readonly parserOptions: ParserOptions;

  constructor(
    @InjectStore() private readonly store: EventStore,
    @Inject(NETWORK_TABLE) private readonly network: NetworkTable | undefined,
    @InjectConfig() private readonly config: DenytraceConfig,
    private readonly producer: CorrelateProducer,
    private readonly metrics: DenytraceMetrics,
  ) {
    const nginx = config.nginxLogFormat;
    this.parserOptions = nginx ? { nginxLogFormat: existsSync(nginx) ? readFileSync(nginx, 'utf8') : nginx } : {};
  }

  /** Largest compressed body read; past it the connection is closed rather than drained. */
  get maxCompressedBytes(): number {
    return this.config.ingestMaxBytes + (1 << 20);
  }

  async ingest(req: Request, encoding: 'gzip' | 'identity' | 'auto', p: PushRequest): Promise<PushResult> {
    let body: ParsedBody;
    try {
      body = await parseBody(req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>, {
        format: p.format,
        sourceName: p.source,
        encoding,
        maxBytes: this.config.ingestMaxBytes,
        maxCompressedBytes: this.maxCompressedBytes,
        maxLineBytes: this.config.maxLineBytes,
        retention: this.config.retention,
        parserOptions: this.parserOptions,
        network: this.network,
      });
    } catch (e) {
      if (e instanceof PayloadTooLargeError) {
        await drainRequest(req, this.maxCompressedBytes);
        throw new ApiError(413, 'payload_too_large', `${e.message}; nothing was written (split the batch, or raise DENYTRACE_INGEST_MAX_BYTES)`);
      }
      if (e instanceof BadGzipError) {
        await drainRequest(req, this.maxCompressedBytes);
        throw new ApiError(400, 'bad_gzip', `${e.message}; nothing was written`);
      }
      if (e instanceof IngestError) throw new ApiError(400, 'validation_failed', e.message, [{ field: 'format', problems: [e.message] }]);
      throw e;
    }
    const t = body.totals;
    const already = (await this.store.getFileState(body.digest)) !== undefined;
    const windows = windowsForTimestamps(body.events.map((e) => e['@timestamp']));
    let stored = 0;
    let duplicates = body.events.length;
    let versions: WindowVersion[] | undefined;
    if (!already) {
      const remember = t.records > 0 || t.rejected === 0;
      const r = await this.store.writeBatch({
        events: body.events,
        counters: body.counters,
        dimension_counters: body.dimension_counters,
        quarantine: body.quarantine,
        fileState: remember
          ? { fingerprint: body.digest, path: p.source, lines: body.lines, bytes: body.bytes, format: Object.keys(t.formats).join(',') || null, updated_at: new Date().toISOString() }
          : undefined,
        windows,
      });
      stored = r.inserted;
      duplicates = r.duplicates;
      versions = r.windows;
      this.countMetrics(body);
    } else if (windows.length > 0) {
      // A re-sent body (a shipper's retry after a lost answer): enqueue again in case the first enqueue was lost.
      versions = await this.store.windowVersions(windows);
    }
    if (versions?.length && !(await this.producer.windowsChanged(versions))) {
      this.logger.warn(`${p.source}: written, but Redis did not take the correlate jobs in time; the worker's sweep will decide these windows once Redis is back`);
    }
    return { accepted: t.records, rejected: t.rejected, rejected_by_reason: t.rejected_by_reason, unknown_fields: t.unknown_fields, formats: t.formats, stored, duplicates, already_ingested: already };
  }

  private countMetrics(body: ParsedBody): void {
    const byDataset = new Map<string, number>();
    for (const c of body.counters) byDataset.set(c.dataset, (byDataset.get(c.dataset) ?? 0) + c.count);
    for (const [dataset, n] of byDataset) this.metrics.eventsIngested.inc({ dataset, source: 'http' }, n);
    for (const [reason, n] of Object.entries(body.totals.rejected_by_reason)) this.metrics.eventsRejected.inc({ reason, source: 'http' }, n);
    for (const [key, n] of Object.entries(body.totals.unknown_fields)) {
      const slash = key.indexOf('/');
      this.metrics.unknownFields.inc({ dataset: slash > 0 ? key.slice(0, slash) : '', field: slash > 0 ? key.slice(slash + 1) : key, source: 'http' }, n);
    }
  }
}
