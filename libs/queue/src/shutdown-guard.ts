/**
 * A bound on graceful shutdown. Nest's shutdown hooks let in-flight jobs and requests finish; when a
 * dependency is down (Redis during an outage) closing its connections can wait forever. After the
 * first SIGTERM/SIGINT this gives the graceful path `graceMs`, then exits with code 1 and one line;
 * a second signal exits at once.
 */
export function guardShutdown(name: string, graceMs = 15_000): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      process.stderr.write(`denytrace ${name}: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    signalled = true;
    setTimeout(() => {
      process.stderr.write(`denytrace ${name}: did not stop within ${graceMs / 1000} s of ${signal} (is Redis reachable?); exiting\n`);
      process.exit(1);
    }, graceMs).unref();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
