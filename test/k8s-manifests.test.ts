// `npm run k8s` (issue 16, item 4): the generated objects validate offline against the Kubernetes
// schemas (kubernetes-models + @kubernetes-models/validate; unknown fields are the compiler's to
// catch, the objects being typed), plus the rules no schema can express: completions equal
// parallelism, selectors match the pods' labels, the Service reaches the container's ports, the
// start is in the future, every shard agrees on N, and the commands are ones our CLIs accept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { clusterManifests, shardScript, benchArgs } from '../harness/k8s/manifests.ts';
import { parseK8sArgs, clusterScenarios, type K8sOptions } from '../harness/k8s/options.ts';
import { toYaml } from '../harness/k8s/yaml.ts';
import { FLAGS, loadConfigFile, parseCli } from '../harness/run/args.ts';
import { mergeConfig, resolveConfig, type BenchConfigInput } from '../harness/config.ts';
import { parseServeArgs } from '../harness/cli/serve.ts';
import { PROTOCOL_NAMES } from '../harness/protocols.ts';
import { SCENARIOS } from '../scenarios/registry.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = import.meta.resolve('tsx');
const NOW = Date.UTC(2026, 11, 3, 12, 0, 0, 250);
const BASE = ['--generators', '8', '--image', 'registry.example/protocol-bench:1', '--namespace', 'bench'];

function options(extra: string[]): K8sOptions {
  const o = parseK8sArgs([...BASE, ...extra]);
  assert.ok(o);
  return o;
}

/** What the pod's shell hands the bench for shard i: the script's bench line, split and expanded as sh would. */
function shardArgv(script: string, index: number): string[] {
  const line = script.split('\n')[0]!.replace('npm run --silent bench -- ', '');
  // Every argument is plain or single-quoted (shellQuote); the shard flag is the one double-quoted.
  const words = line.match(/'[^']*'|"[^"]*"|\S+/g) ?? [];
  return words.map((w) => w.replace(/^['"]|['"]$/g, '').replaceAll('${JOB_COMPLETION_INDEX}', String(index)));
}

for (const protocol of ['rest', 'grpc', 'websocket', 'graphql', 'sse'] as const) {
  test(`${protocol}: the three objects validate against the Kubernetes schemas, and the rules beyond them hold`, async () => {
    const plan = clusterManifests(options(['--protocol', protocol]), NOW);
    const [deployment, service, job] = plan.objects;
    new Deployment(deployment).validate();
    new Service(service).validate();
    new Job(job).validate();

    // The Job: Indexed, N completions run all at once, never rerun, pods alone on their nodes.
    assert.equal(job.spec!.completionMode, 'Indexed');
    assert.equal(job.spec!.completions, 8);
    assert.equal(job.spec!.parallelism, job.spec!.completions);
    assert.equal(job.spec!.backoffLimit, 0);
    const pod = job.spec!.template.spec!;
    assert.equal(pod.restartPolicy, 'Never');
    const anti = pod.affinity!.podAntiAffinity!.requiredDuringSchedulingIgnoredDuringExecution!;
    assert.ok(anti.every((t) => t.topologyKey === 'kubernetes.io/hostname'));
    const components = anti.map((t) => t.labelSelector!.matchLabels!['app.kubernetes.io/component']).sort();
    assert.deepEqual(components, ['generator', 'server'], 'a shard shares its node with neither a shard nor the server');

    // Selectors match the pods' labels, and the anti-affinity terms pick out this run's pods.
    const serverPodLabels = deployment.spec!.template.metadata!.labels!;
    const matches = (sel: Record<string, string>, labels: Record<string, string>): boolean =>
      Object.entries(sel).every(([k, v]) => labels[k] === v);
    assert.ok(matches(deployment.spec!.selector.matchLabels!, serverPodLabels));
    assert.ok(matches(service.spec!.selector!, serverPodLabels));
    assert.ok(!matches(service.spec!.selector!, job.spec!.template.metadata!.labels!), 'the Service does not select generators');
    const podLabels = { server: serverPodLabels, generator: job.spec!.template.metadata!.labels! };
    for (const t of anti) {
      const sel = t.labelSelector!.matchLabels!;
      assert.ok(matches(sel, podLabels[sel['app.kubernetes.io/component'] as 'server' | 'generator']));
    }

    // The Service's target ports are the server container's ports, and the generators use the Service's name.
    const container = deployment.spec!.template.spec!.containers[0]!;
    const containerPorts = container.ports!.map((p) => p.containerPort);
    for (const p of service.spec!.ports!) {
      assert.ok(containerPorts.includes(p.targetPort as number), `targetPort ${p.targetPort} is a container port`);
      assert.equal(p.port, p.targetPort);
    }
    const host = `${service.metadata!.name}.bench.svc`;
    assert.equal(new URL(plan.targetUrl.replace(/^grpc:/, 'http:')).hostname, host);
    assert.equal(new URL(plan.statsUrl).hostname, host);
    assert.equal(Number(new URL(plan.statsUrl).port), container.readinessProbe!.httpGet!.port);

    // Whole CPUs, requests = limits, on every container (init included): the Guaranteed QoS class.
    for (const c of [container, ...pod.initContainers!, ...pod.containers]) {
      assert.deepEqual(c.resources!.requests, c.resources!.limits, `${c.name}: requests = limits`);
      assert.match(String(c.resources!.requests!.cpu), /^[1-9]\d*$/, `${c.name}: whole CPUs`);
      assert.equal(c.securityContext!.runAsNonRoot, true);
    }

    // The shared start: in the future by --start-in, a whole second, and the same on every shard.
    assert.ok(plan.startAtMs > NOW + 299_000 && plan.startAtMs <= NOW + 301_000);
    assert.equal(plan.startAtMs % 1000, 0);
    const script = pod.containers[0]!.command![2]!;
    assert.equal(script, shardScript(options(['--protocol', protocol]), plan));
    const shards = Array.from({ length: 8 }, (_, i) => shardArgv(script, i));
    const flag = (argv: string[], f: string): string | undefined => argv[argv.indexOf(f) + 1];
    assert.deepEqual(
      shards.map((a) => flag(a, '--shard')),
      Array.from({ length: 8 }, (_, i) => `${i}/8`),
    );
    assert.deepEqual(new Set(shards.map((a) => flag(a, '--start-at'))), new Set([String(plan.startAtMs)]));
    assert.equal(pod.containers[0]!.env![0]!.name, 'JOB_COMPLETION_INDEX');

    // The commands are ones our CLIs take: the server's flags, and the bench's (those on this branch;
    // --shard and --start-at come with the shards branch, --target-impl with the implementations one).
    const serveArgv = container.args!.slice(container.args!.indexOf('--') + 1);
    assert.deepEqual(parseServeArgs(serveArgv)?.admin, { host: '0.0.0.0', port: 9100 });
    const known = shards[3]!.filter((_, i, a) => {
      const f = (a[i]!.startsWith('--') ? a[i] : a[i - 1])!.slice(2);
      return Object.hasOwn(FLAGS, f);
    });
    const cli = parseCli(known);
    assert.equal(cli.configPath, 'harness/k8s/pod.config.ts');
    const podConfig = (await loadConfigFile(path.join(ROOT, cli.configPath))) as BenchConfigInput;
    assert.equal(podConfig.pin, false, 'no pinning in a pod');
    const cfg = resolveConfig(mergeConfig(podConfig, cli.layer));
    assert.equal(cfg.pin, false);
    assert.equal(cfg.targets?.[protocol], plan.targetUrl);
    assert.equal(cfg.serverStats?.[protocol], plan.statsUrl);
  });
}

test('the YAML printed is the objects: parsed back, the same data, three documents without errors', () => {
  const plan = clusterManifests(options(['--protocol', 'rest', '--impl', 'fastify', '--load', 'rate:20000']), NOW);
  const docs = parseAllDocuments(toYaml(plan.objects, ['a comment', 'with "quotes" and: colons']));
  assert.equal(docs.length, 3);
  for (const d of docs) assert.deepEqual(d.errors, []);
  assert.deepEqual(
    docs.map((d) => d.toJS() as unknown),
    plan.objects.map((o) => JSON.parse(JSON.stringify(o)) as unknown),
  );
  const argv = benchArgs(options(['--protocol', 'rest', '--impl', 'fastify', '--load', 'rate:20000']), plan);
  assert.deepEqual(argv.slice(argv.indexOf('--load'), argv.indexOf('--load') + 2), ['--load', 'rate:20000']);
  assert.ok(argv.includes('rest=fastify'), 'the implementation is named for the record (--target-impl)');
});

test('flags: every problem at once, with the valid choices', () => {
  assert.throws(
    () => parseK8sArgs(['--protocol', 'nope', '--generators', '0', '--namespace', 'Bad_NS', '--start-in', '5']),
    (err: Error) => {
      assert.match(err.message, /unknown --protocol "nope"; valid: rest, /);
      assert.match(err.message, /--generators expects an integer from 1 to 1000, got "0"/);
      assert.match(err.message, /--image is required/);
      assert.match(err.message, /--namespace "Bad_NS" is not a DNS label/);
      assert.match(err.message, /--start-in expects an integer from 60/);
      return true;
    },
  );
  assert.throws(
    () => parseK8sArgs([...BASE, '--protocol', 'rest', '--scenario', 'fanout']),
    /cannot run on a served server; valid: .*getUser/,
  );
  assert.throws(() => parseK8sArgs([...BASE, '--protocol', 'rest', '--server-cpus', '1.5']), /--server-cpus expects an integer/);
  assert.throws(() => parseK8sArgs([...BASE, '--protocol', 'rest', '--load', 'fast']), /--load: /);
  // Scenarios whose servers need tuning cannot be served by `npm run serve`; the rest are offered.
  for (const s of clusterScenarios()) assert.equal(SCENARIOS[s]!.server, undefined);
  assert.ok(clusterScenarios().includes('getUser'));
  assert.ok(PROTOCOL_NAMES.every((p) => options(['--protocol', p]).protocol === p));
});

test('npm run k8s prints YAML on stdout and the time to apply on stderr', () => {
  const r = spawnSync(process.execPath, ['--import', TSX, path.join(ROOT, 'harness/cli/k8s.ts'), ...BASE, '--protocol', 'rest'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const docs = parseAllDocuments(r.stdout);
  assert.deepEqual(
    docs.map((d) => (d.toJS() as { kind: string }).kind),
    ['Deployment', 'Service', 'Job'],
  );
  assert.match(r.stdout, /^# shared start \S+ \(--start-at \d+\)/m);
  assert.match(r.stderr, /apply within 300 s/);
  const bad = spawnSync(process.execPath, ['--import', TSX, path.join(ROOT, 'harness/cli/k8s.ts'), '--protocol', 'rest'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--generators is required/);
});
