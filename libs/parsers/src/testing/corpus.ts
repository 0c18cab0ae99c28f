import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { DenyEvent } from '@denytrace/schema';
import type { LogFormat, ParseOutcome } from '../parser';

/** Test helpers: the shared corpus beside the checkout (`../shared/corpus`). Tests only. */
export const SHARED = path.resolve(__dirname, '../../../../../shared');
export const readShared = (p: string): string => readFileSync(path.join(SHARED, p), 'utf8');
export const sharedLines = (p: string): string[] => readShared(p).split('\n');

/** Runs a fresh parser of `format` over every line of a file; events, rejects and skips counted. */
export function parseAll(format: LogFormat, lines: readonly string[], sourceName = 'test.log'): { events: DenyEvent[]; rejects: Array<ParseOutcome & { kind: 'reject' }>; skips: number } {
  const parser = format.createParser({ sourceName });
  const events: DenyEvent[] = [];
  const rejects: Array<ParseOutcome & { kind: 'reject' }> = [];
  let skips = 0;
  lines.forEach((l, i) => {
    const o = parser.parse(l.replace(/\r$/, ''), i + 1);
    if (o.kind === 'event') events.push(o.event);
    else if (o.kind === 'reject') rejects.push(o);
    else skips++;
  });
  return { events, rejects, skips };
}

/** The single event of one line parsed alone. */
export function one(format: LogFormat, line: string): DenyEvent {
  const o = format.createParser({}).parse(line, 1);
  if (o.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(o)}`);
  return o.event;
}

/** CrowdSec `s01-parse` expectations rendered as JSON by the corpus collector (`*.s01-parse.derived.json`). */
export interface CrowdsecRecord {
  index: number;
  Success: boolean;
  Parsed: Record<string, string>;
  Meta: Record<string, string>;
}
export function crowdsecRecords(p: string): CrowdsecRecord[] {
  return (JSON.parse(readShared(p)) as { records: CrowdsecRecord[] }).records;
}
