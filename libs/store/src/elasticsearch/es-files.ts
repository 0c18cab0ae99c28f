import type { Client, estypes } from '@elastic/elasticsearch';
import type { FileState } from '../event-store';
import { isStatus, storeErrorOf } from './es-errors';
import type { EsNames } from './es-names';

/** File state in `denytrace-<ns>-files`, `_id` = fingerprint; read with a realtime GET. */
export class EsFiles {
  constructor(private readonly client: Client, private readonly n: EsNames, private readonly o: { refresh: estypes.Refresh }) {}

  async get(fingerprint: string): Promise<FileState | undefined> {
    try {
      const res = await this.client.get<FileState>({ index: this.n.files, id: fingerprint, realtime: true });
      return res.found ? res._source : undefined;
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw storeErrorOf(err, `file state in ${this.n.files}`);
    }
  }

  /** Writes (replaces) the state; the last writer wins, as in the embedded store. */
  async set(s: FileState): Promise<void> {
    try {
      const document: FileState = { fingerprint: s.fingerprint, path: s.path, lines: s.lines, bytes: s.bytes, format: s.format, updated_at: s.updated_at };
      await this.client.index({ index: this.n.files, id: s.fingerprint, document, refresh: this.o.refresh });
    } catch (err) {
      throw storeErrorOf(err, `file state write into ${this.n.files}`);
    }
  }
}
