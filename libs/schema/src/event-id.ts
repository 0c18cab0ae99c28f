import { hash } from 'node:crypto';

/**
 * Stable id of one record: base64url of the first 15 bytes of SHA-1 over `dataset \n raw`.
 * The same line ingested twice (a re-read file, an at-least-once shipper) gets the same id, so the
 * store keeps it once.
 */
export function eventId(dataset: string, raw: string): string {
  // crypto.hash (Node ≥ 20.12) is the one-shot form: no Hash object per line.
  return hash('sha1', `${dataset}\n${raw}`, 'base64url').slice(0, 20);
}
