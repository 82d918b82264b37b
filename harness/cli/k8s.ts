// `npm run k8s -- --protocol P --generators N --image IMAGE ...` prints the manifests of a cluster run
// (a server Deployment and Service, an Indexed Job of N generator shards) as YAML on stdout; how long
// there is to apply them goes to stderr. `npm run k8s -- collect --namespace NS --job NAME --out DIR`
// reads every generator pod's log with kubectl and writes shard-I.json per shard for `npm run merge`.
// Entry point only: the flags (k8s/options.ts), the objects (k8s/manifests.ts), YAML (k8s/yaml.ts)
// and the log parsing (k8s/collect.ts) are pure modules.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.ts';
import { runEntry } from '../run/entry.ts';
import { k8sUsage, parseK8sArgs } from '../k8s/options.ts';
import { clusterManifests } from '../k8s/manifests.ts';
import { toYaml } from '../k8s/yaml.ts';
import { planCollect, type PodLog } from '../k8s/collect.ts';

function printManifests(argv: string[], nowMs: number): number {
  const opts = parseK8sArgs(argv);
  if (opts === null) {
    console.log(k8sUsage());
    return 0;
  }
  const plan = clusterManifests(opts, nowMs);
  const start = new Date(plan.startAtMs).toISOString();
  const header = [
    `protocol-bench cluster run: ${opts.scenario} on ${opts.protocol}, ${opts.generators} generator shard(s), namespace ${opts.namespace}`,
    `shared start ${start} (--start-at ${plan.startAtMs}): apply before it, with time for pulling the image`,
    `server ${plan.targetUrl}, stats ${plan.statsUrl}`,
    `results: npm run k8s -- collect --namespace ${opts.namespace} --job ${plan.jobName} --out DIR`,
  ];
  process.stdout.write(toYaml(plan.objects, header));
  console.error(
    `shared start ${start}: apply within ${opts.startInS} s, e.g. npm run --silent k8s -- ... | kubectl apply -f -\n` +
      'a shard whose pod is not running by then starts late, says so, and the merge warns when the windows overlap < 90%',
  );
  return 0;
}

const COLLECT_FLAGS = {
  namespace: { type: 'string' },
  job: { type: 'string' },
  out: { type: 'string' },
  kubectl: { type: 'string' },
} as const;

function kubectl(bin: string, args: string[]): string {
  try {
    return execFileSync(bin, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new UsageError(`${bin} not found on PATH: collect reads the pods' logs with kubectl`);
    throw new UsageError(`${bin} ${args.join(' ')} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

function collect(argv: string[]): number {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: COLLECT_FLAGS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]}\nvalid flags: --namespace, --job, --out, --kubectl`);
  }
  const missingFlags = (['job', 'out'] as const).filter((f) => !values[f]).map((f) => `--${f}`);
  if (missingFlags.length)
    throw new UsageError(
      `collect needs ${missingFlags.join(' and ')}: npm run k8s -- collect --namespace NS --job NAME --out DIR`,
    );
  const [ns, job, out, bin] = [values.namespace ?? 'default', values.job!, values.out!, values.kubectl ?? 'kubectl'];
  const pods = (
    JSON.parse(kubectl(bin, ['get', 'pods', '-n', ns, '-l', `job-name=${job}`, '-o', 'json'])) as {
      items: { metadata: { name: string } }[];
    }
  ).items.map((p) => p.metadata.name);
  if (pods.length === 0) throw new UsageError(`no pods of job ${job} in namespace ${ns} (kubectl get jobs -n ${ns})`);
  const logs: PodLog[] = pods.map((pod) => ({ pod, log: kubectl(bin, ['logs', '-n', ns, pod, '-c', 'bench']) }));
  const plan = planCollect(logs);
  mkdirSync(out, { recursive: true });
  for (const f of plan.files) {
    writeFileSync(path.join(out, f.name), f.json.endsWith('\n') ? f.json : `${f.json}\n`);
    console.error(`${f.name} from ${f.pod}${f.exitCode === 0 ? '' : ` (the bench exited ${f.exitCode})`}`);
  }
  for (const p of plan.problems) console.error(`problem: ${p}`);
  if (plan.missing.length || plan.count === null) {
    const which = plan.count === null ? 'every shard' : `shard ${plan.missing.join(', ')} of ${plan.count}`;
    console.error(`${which} has no result: the merge needs every shard (0-based indexes)`);
    return 2;
  }
  console.error(`next: npm run merge -- ${path.join(out, 'shard-*.json')} --out ${path.join(out, 'merged.json')}`);
  return 0;
}

export function main(argv: string[]): number {
  return argv[0] === 'collect' ? collect(argv.slice(1)) : printManifests(argv, Date.now());
}

runEntry(import.meta.url, main);
