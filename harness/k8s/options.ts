// `npm run k8s` flags (issue 16, item 4): parsed and checked in one pure step, every problem at once
// (UsageError, exit 2, naming the valid choices), into the options the manifest generator takes.
import { parseArgs } from 'node:util';
import { PROTOCOL_NAMES, isProtocolName, type ProtocolName } from '../protocols.ts';
import { SCENARIOS } from '../../scenarios/registry.ts';
import { implementationOf } from '../../servers/registry.ts';
import { parseLoadSpec } from '../load/model.ts';
import { UsageError } from '../errors.ts';
import { driverRow } from '../protocols.ts';

export const K8S_FLAGS = {
  scenario: { type: 'string', help: 'scenario the generators run (default getUser)' },
  protocol: { type: 'string', help: `protocol row: ${PROTOCOL_NAMES.join(', ')}` },
  generators: { type: 'string', help: 'generator shards N: an Indexed Job of N pods, one per node' },
  image: { type: 'string', help: 'container image built from the Dockerfile (e.g. registry.example/protocol-bench:1)' },
  namespace: { type: 'string', help: 'namespace of every object (default default)' },
  name: { type: 'string', help: 'name prefix of the objects (default pbench-PROTOCOL)' },
  duration: { type: 'string', help: 'measured seconds (default 30)' },
  warmup: { type: 'string', help: 'warm-up seconds; it absorbs start-up and clock skew (default 5)' },
  'start-in': { type: 'string', help: 'seconds from now to the shared start: the time you have to apply (default 300)' },
  load: { type: 'string', help: 'load model over all shards: closed:CONNxINFLIGHT, rate:OPS_PER_S, ... (default closed)' },
  impl: { type: 'string', help: "the server's implementation (default its reference)" },
  'server-cpus': { type: 'string', help: 'whole CPUs of the server pod, requests = limits (default 2)' },
  'generator-cpus': { type: 'string', help: 'whole CPUs of each generator pod, requests = limits (default 2)' },
  memory: { type: 'string', help: 'memory of each pod, requests = limits, in Mi (default 1024)' },
  help: { type: 'boolean', help: 'this help' },
} as const;

export interface K8sOptions {
  scenario: string;
  protocol: ProtocolName;
  generators: number;
  image: string;
  namespace: string;
  name: string;
  durationS: number;
  warmupS: number;
  startInS: number;
  load?: string;
  impl?: string;
  serverCpus: number;
  generatorCpus: number;
  memoryMi: number;
}

// RFC 1123 labels: what namespaces and the objects' names (with their suffixes) must be.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Longest --name: the longest suffix ("-generators") must still fit a 63-character label. */
export const MAX_NAME = 63 - '-generators'.length;

/** Scenarios a served server can run: request/response, and no server tuning `npm run serve` cannot apply. */
export function clusterScenarios(): string[] {
  return Object.values(SCENARIOS)
    .filter((s) => (s.workload ?? 'request-response') === 'request-response' && s.server === undefined)
    .map((s) => s.name);
}

/** Pure: flags to options, or a UsageError listing every problem; null for --help. */
export function parseK8sArgs(argv: string[]): K8sOptions | null {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: K8S_FLAGS, strict: true, allowPositionals: false }));
  } catch (err) {
    const valid = Object.keys(K8S_FLAGS).map((f) => `--${f}`);
    throw new UsageError(`${(err as Error).message.split('\n')[0]}\nvalid flags: ${valid.join(', ')}`);
  }
  if (values.help) return null;
  const problems: string[] = [];
  const int = (flag: string, v: string | undefined, fallback: number | undefined, min: number, max: number): number => {
    if (v === undefined) {
      if (fallback === undefined) problems.push(`--${flag} is required (an integer from ${min} to ${max})`);
      return fallback ?? min;
    }
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      problems.push(`--${flag} expects an integer from ${min} to ${max}, got "${v}"`);
      return min;
    }
    return n;
  };

  const valid = clusterScenarios();
  const scenario = values.scenario ?? 'getUser';
  if (!valid.includes(scenario))
    problems.push(`--scenario "${scenario}" cannot run on a served server; valid: ${valid.join(', ')}`);
  const protocol = values.protocol;
  if (protocol === undefined) problems.push(`--protocol is required; valid: ${PROTOCOL_NAMES.join(', ')}`);
  else if (!isProtocolName(protocol)) problems.push(`unknown --protocol "${protocol}"; valid: ${PROTOCOL_NAMES.join(', ')}`);
  else if (valid.includes(scenario) && !SCENARIOS[scenario]!.protocols.includes(protocol))
    problems.push(`${scenario} does not run on ${protocol}; valid: ${SCENARIOS[scenario]!.protocols.join(', ')}`);
  if (values.impl !== undefined && protocol !== undefined && isProtocolName(protocol)) {
    try {
      implementationOf(driverRow(protocol).server, values.impl);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  const image = values.image ?? '';
  if (image.trim() === '' || /\s/.test(image))
    problems.push('--image is required: the image built from the Dockerfile, no spaces');
  const namespace = values.namespace ?? 'default';
  if (!DNS_LABEL.test(namespace) || namespace.length > 63)
    problems.push(`--namespace "${namespace}" is not a DNS label (lower-case letters, digits, '-'; at most 63)`);
  const name = values.name ?? `pbench-${protocol ?? ''}`.replace(/[^a-z0-9-]/g, '-');
  if (!DNS_LABEL.test(name) || name.length > MAX_NAME)
    problems.push(`--name "${name}" is not a DNS label of at most ${MAX_NAME} characters (lower-case letters, digits, '-')`);
  if (values.load !== undefined) {
    try {
      parseLoadSpec(values.load);
    } catch (err) {
      problems.push(`--load: ${(err as Error).message}`);
    }
  }
  const opts: K8sOptions = {
    scenario,
    protocol: protocol as ProtocolName,
    generators: int('generators', values.generators, undefined, 1, 1000),
    image,
    namespace,
    name,
    durationS: int('duration', values.duration, 30, 1, 3600),
    warmupS: int('warmup', values.warmup, 5, 1, 600),
    // At least a minute: the pods must be scheduled, pull the image and connect before it.
    startInS: int('start-in', values['start-in'], 300, 60, 86_400),
    ...(values.load !== undefined && { load: values.load }),
    ...(values.impl !== undefined && { impl: values.impl }),
    serverCpus: int('server-cpus', values['server-cpus'], 2, 1, 256),
    generatorCpus: int('generator-cpus', values['generator-cpus'], 2, 1, 256),
    memoryMi: int('memory', values.memory, 1024, 256, 1_048_576),
  };
  if (problems.length)
    throw new UsageError(`npm run k8s: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return opts;
}

export function k8sUsage(): string {
  const lines = [
    'usage: npm run k8s -- --protocol P --generators N --image IMAGE [--scenario S] [--namespace NS] [--duration S]',
    '                      [--start-in S] [--impl NAME] ...            prints the manifests (YAML) on stdout',
    "       npm run k8s -- collect --namespace NS --job NAME --out DIR  one result file per shard, from the pods' logs",
    '',
    'flags:',
  ];
  for (const [name, f] of Object.entries(K8S_FLAGS)) lines.push(`  --${name.padEnd(16)} ${f.help}`);
  return lines.join('\n');
}
