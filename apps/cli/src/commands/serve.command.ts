import type { Command } from 'commander';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@denytrace/config';
import { assertRedisReachable, guardShutdown, RedisUnavailableError } from '@denytrace/queue';
import { prepareDataDir, ServiceError } from '../context';
import { configureServeApp } from '../serve/configure-app';
import { HTTP_APP_OPTIONS } from '../../../api/src/http-app-options';
import { ServeModule } from '../serve/serve.module';

/** `denytrace serve`: API + collector + worker in one process. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .summary('run the API, the collector (HTTP push and folder tailing) and the worker in one process')
    .description(
      'Starts the HTTP API (/v1/traces, /v1/summary, /v1/spikes, /v1/deploys, /v1/webhooks, /health, /metrics, /docs), the collector (POST /v1/ingest, and tailing of the folders in --watch) and the correlation worker, on one port, with the SQLite store in the data dir and queues in Redis (REDIS_URL). Each part also runs alone for scale-out: node dist/apps/{api,collector,worker}/src/main.js. Stop with Ctrl-C: in-flight jobs finish first.',
    )
    .option('--port <n>', 'HTTP port (env PORT, default 8080)')
    .option('--host <addr>', 'address to bind (env HOST, default 127.0.0.1; another address needs DENYTRACE_API_KEYS)')
    .option('--watch <dirs>', 'folders to tail, comma-separated (env DENYTRACE_WATCH)')
    .option('--no-worker', 'do not run the worker here (run it as separate processes)')
    .addHelpText('after', '\nExamples:\n  denytrace serve\n  DENYTRACE_API_KEYS=reader:$(openssl rand -hex 16),ingester:$(openssl rand -hex 16) denytrace serve --host 0.0.0.0\n  denytrace serve --watch /var/log/nginx,/var/log/app')
    .action(async (o: { port?: string; host?: string; watch?: string; worker: boolean }) => {
      const g = program.opts<{ dataDir?: string }>();
      const env = { ...process.env };
      if (g.dataDir) env.DENYTRACE_DATA_DIR = g.dataDir;
      if (o.port) env.PORT = o.port;
      if (o.host) env.HOST = o.host;
      if (o.watch) env.DENYTRACE_WATCH = o.watch;
      const config = loadConfig(env);
      prepareDataDir(config.dataDir, true);
      try {
        await assertRedisReachable(config.redisUrl);
      } catch (e) {
        if (e instanceof RedisUnavailableError) throw new ServiceError(e.message);
        throw e;
      }
      guardShutdown('serve');
      // abortOnError false: a module that fails to start throws here (one line) instead of Nest's exit with a stack.
      const app = await NestFactory.create(ServeModule.forRoot(config, { worker: o.worker }), { ...HTTP_APP_OPTIONS, logger: loggerLevels(config.logLevel), abortOnError: false });
      configureServeApp(app);
      app.enableShutdownHooks();
      try {
        await app.listen(config.port, config.host);
      } catch (e) {
        await Promise.race([app.close(), new Promise((r) => setTimeout(r, 5000))]);
        const code = (e as NodeJS.ErrnoException).code;
        throw new ServiceError(
          code === 'EADDRINUSE' ? `port ${config.port} on ${config.host} is in use (choose another with --port or PORT)` : code === 'EACCES' ? `not allowed to listen on ${config.host}:${config.port}` : (e as Error).message,
        );
      }
      const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
      process.stdout.write(
        [
          `denytrace serving on ${url}`,
          `  API      ${url}/v1/traces, ${url}/v1/summary, ${url}/v1/spikes, ${url}/v1/deploys, ${url}/v1/webhooks   docs ${url}/docs   health ${url}/health   metrics ${url}/metrics`,
          `  push     POST ${url}/v1/ingest${config.watch.length ? `   tailing ${config.watch.join(', ')}` : ''}`,
          `  worker   ${o.worker ? `${config.workerConcurrency} concurrent jobs` : 'not in this process'}   Redis ${config.redisUrl.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:***@')} prefix ${config.queuePrefix}`,
          `  store    SQLite in ${config.dataDir}`,
          `  auth     ${config.apiKeys.length ? `${config.apiKeys.length} API key(s)` : 'none (DENYTRACE_API_KEYS unset; loopback only)'}`,
          '',
        ].join('\n'),
      );
    });
}

function loggerLevels(level: string): Array<'error' | 'warn' | 'log' | 'debug' | 'verbose'> | false {
  switch (level) {
    case 'silent':
      return false;
    case 'fatal':
    case 'error':
      return ['error'];
    case 'warn':
      return ['error', 'warn'];
    case 'debug':
      return ['error', 'warn', 'log', 'debug'];
    case 'trace':
      return ['error', 'warn', 'log', 'debug', 'verbose'];
    default:
      // Nest's start-up chatter (every module and route) only from `debug` on; serve prints its own summary.
      return ['error', 'warn'];
  }
}
