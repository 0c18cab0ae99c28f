/**
 * The body of one ingest worker thread (see parallel-ingest.ts): opens its own connection to the
 * store and the network table once, then ingests the files the main thread sends, one at a time,
 * posting progress and each file's result back.
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { NetworkTable } from '@denytrace/network';
import { openStore } from '@denytrace/store';
import { ingestEntry } from './ingest-paths';
import type { IngestProgress } from './ingest-types';
import type { ThreadRequest, ThreadSetup, ThreadMessage } from './parallel-ingest';

async function main(): Promise<void> {
  const setup = workerData as ThreadSetup;
  const store = await openStore({ dataDir: setup.dataDir, retention: setup.retention });
  const network = setup.networkCsv ? NetworkTable.fromCsv(readFileSync(setup.networkCsv, 'utf8')) : undefined;
  const port = parentPort!;
  const post = (m: ThreadMessage) => port.postMessage(m);
  port.on('message', async (req: ThreadRequest | 'close') => {
    if (req === 'close') {
      await store.close();
      port.close();
      return;
    }
    const onProgress = (p: IngestProgress) => post({ kind: 'progress', file: req.file, progress: p });
    post({ kind: 'result', result: await ingestEntry({ file: req.file, fromFolder: req.fromFolder }, { store, network }, { ...req.opts, onProgress }) });
  });
  post({ kind: 'ready' });
}

void main();
