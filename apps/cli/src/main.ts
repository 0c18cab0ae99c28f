import 'reflect-metadata';
import { CommanderError } from 'commander';
import { ConfigError } from '@denytrace/config';
import { createProgram } from './program';
import { ServiceError, UsageError } from './context';
import { terminalSafe } from './render/terminal-safe';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../../../package.json') as { version: string };

/** Runs the CLI; user mistakes print one line and exit 2, anything else prints the error and exits 1. */
async function main(): Promise<void> {
  // `denytrace traces --json | head`: a closed pipe ends the output quietly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  // A closed stderr (`2>&1 | head`) must not stop an ingest half-way: the work goes on silently.
  process.stderr.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  try {
    await createProgram(version).parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed its message; help and version exit 0, usage mistakes 2 like ours.
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    if (err instanceof ServiceError || (err as Error)?.name === 'StoreError') {
      process.stderr.write(`denytrace: ${terminalSafe((err as Error).message, true)}\n`);
      process.exit(1);
    }
    if (err instanceof UsageError || err instanceof ConfigError || (err as Error)?.name === 'IngestError') {
      process.stderr.write(`denytrace: ${terminalSafe((err as Error).message, true)}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`denytrace: unexpected error: ${terminalSafe((err as Error)?.stack ?? String(err), true)}\n`);
    process.exitCode = 1;
  }
}

void main();
