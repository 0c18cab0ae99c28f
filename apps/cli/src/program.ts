import { Command } from 'commander';
import { registerDemo } from './commands/demo.command';
import { registerIngest } from './commands/ingest.command';
import { registerQuarantine } from './commands/quarantine.command';
import { registerReport } from './commands/report.command';
import { registerServe } from './commands/serve.command';
import { registerSetup } from './commands/setup.command';
import { registerSpikes } from './commands/spikes.command';
import { registerTrace } from './commands/trace.command';
import { registerTraces } from './commands/traces.command';

/** The `denytrace` command line (commander: https://github.com/tj/commander.js). */
export function createProgram(version: string): Command {
  const program = new Command('denytrace')
    .version(version)
    .description('Who said 403? Reads WAF, CDN, gateway and application logs, joins each request across layers, and names the layer and the rule that refused it.')
    .option('--data-dir <dir>', 'where the embedded store lives (env DENYTRACE_DATA_DIR; default ~/.local/share/denytrace)')
    .option('--geoip <csv>', 'network table CSV (network,country_iso_code,region_iso_code,organization); kept in the data dir for later commands (env DENYTRACE_GEOIP)')
    .showHelpAfterError('(add --help for usage)')
    // Throw instead of exiting, so main maps usage mistakes to exit code 2 (subcommands inherit this).
    .exitOverride()
    .addHelpText(
      'after',
      `
Start here:
  denytrace demo                                  ingest bundled sample logs into a temporary store and show verdicts
  denytrace ingest logs/                          read a folder of logs (any mix of formats, .gz or not)
  denytrace report                                403s by emitting layer × decisive rule, top countries, networks, routes
  denytrace traces --status 403 --json            every verdict, one JSON object per line
  denytrace trace <request id>                    one request, layer by layer
  denytrace quarantine                            the lines ingest could not read, by file and reason
  denytrace serve                                 API + collector + worker in one process (needs Redis)
  denytrace setup                                 install the Elasticsearch templates and policies (STORE=elasticsearch)

Run 'denytrace <command> --help' for a command's options.`,
    );
  registerIngest(program);
  registerTrace(program);
  registerTraces(program);
  registerReport(program);
  registerSpikes(program);
  registerQuarantine(program);
  registerServe(program);
  registerSetup(program);
  registerDemo(program);
  return program;
}
