// `npm run bench -- [flags]`: read the arguments, resolve the config, and hand the run to the
// session (harness/run/session.ts), which runs the scenario's workload whatever it is.
import { mergeConfig, resolveConfig } from '../config.ts';
import { stopAll } from '../procs/control.ts';
import { listScenarios, loadConfigFile, parseCli, usage } from '../run/args.ts';
import { runSession } from '../run/session.ts';
import { runEntry } from '../run/entry.ts';

// Kept importable from here: callers (test/config.test.ts) check the protocol choice without a run.
export { protocolsFor } from '../workloads/request-response-plan.ts';

export async function main(argv: string[]): Promise<number> {
  const cli = parseCli(argv);
  if (cli.help) {
    console.log(usage());
    return 0;
  }
  if (cli.list) {
    console.log(listScenarios());
    return 0;
  }
  const cfg = resolveConfig(mergeConfig(await loadConfigFile(cli.configPath), cli.layer));
  return runSession(cfg, cli.format, cli.ci);
}

runEntry(import.meta.url, main, { cleanup: () => stopAll() });
