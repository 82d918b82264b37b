// The Kubernetes objects of a cluster run (issue 16, item 4), as plain data: a Deployment and a
// Service for the one server (`npm run serve` with its stats endpoint), and an Indexed Job of N
// generator shards (`npm run bench -- --target ... --shard I/N --start-at T --server-stats ...`).
// Pure: options and the time now in, objects out; harness/cli/k8s.ts prints them as YAML.
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IAffinity } from 'kubernetes-models/v1/Affinity';
import { driverRow } from '../protocols.ts';
import { serverUrl } from '../../servers/registry.ts';
import { STATS_PATH } from '../procs/stats-endpoint.ts';
import { beginLine, endLine } from './result-markers.ts';
import type { K8sOptions } from './options.ts';

/** The server's port and its stats endpoint's, in the pod and on the Service. */
export const SERVER_PORT = 8080;
export const ADMIN_PORT = 9100;
/** The image's working directory (Dockerfile WORKDIR) and where a shard writes its result. */
const RESULT_FILE = '/tmp/protocol-bench-result.json';
/** Room after the measured window for teardown, before the Job's deadline stops a stuck shard. */
const DEADLINE_SLACK_S = 900;

export interface ClusterPlan {
  objects: [IDeployment, IService, IJob];
  /** The shared start, epoch ms: every shard's warm-up begins then. */
  startAtMs: number;
  /** http(s)/grpc URL of the server as the generators reach it (the Service's DNS name). */
  targetUrl: string;
  statsUrl: string;
  jobName: string;
}

/** POSIX single quotes: the value reaches the program as one argument, whatever it holds. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

function labels(o: K8sOptions, component: 'server' | 'generator'): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'protocol-bench',
    'app.kubernetes.io/instance': o.name,
    'app.kubernetes.io/component': component,
  };
}

/** Whole CPUs, requests = limits: the Guaranteed QoS class, and exclusive cores under the static CPU manager. */
function resources(cpus: number, memoryMi: number): IContainer['resources'] {
  const r = { cpu: String(cpus), memory: `${memoryMi}Mi` };
  return { requests: r, limits: { ...r } };
}

/** Never on a node with another pod of this run: a shard sharing a node with the server or a shard measures the node. */
function aloneOnNode(o: K8sOptions): IAffinity {
  const avoid = (component: 'server' | 'generator') => ({
    labelSelector: { matchLabels: labels(o, component) },
    topologyKey: 'kubernetes.io/hostname',
  });
  return { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [avoid('server'), avoid('generator')] } };
}

/** The image's user (Dockerfile: USER 1000, the node image's `node`), numeric so the kubelet can check runAsNonRoot. */
function security(): IContainer['securityContext'] {
  return {
    runAsNonRoot: true,
    runAsUser: 1000,
    runAsGroup: 1000,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
  };
}

/** The bench command of every shard; the index comes from the shell ($JOB_COMPLETION_INDEX), the rest is fixed. */
export function benchArgs(o: K8sOptions, plan: Pick<ClusterPlan, 'targetUrl' | 'statsUrl' | 'startAtMs'>): string[] {
  const p = o.protocol;
  return [
    ...['--scenario', o.scenario, '--protocols', p, '--target', `${p}=${plan.targetUrl}`],
    ...['--server-stats', `${p}=${plan.statsUrl}`],
    ...['--start-at', String(plan.startAtMs), '--duration', String(o.durationS), '--warmup', String(o.warmupS)],
    // One load-generator process per CPU of the pod: the bench's own process only coordinates.
    ...['--workers', String(o.generatorCpus)],
    // The project's config without CPU pinning (the file says why).
    ...['--config', 'harness/k8s/pod.config.ts'],
    ...(o.load !== undefined ? ['--load', o.load] : []),
    ...(o.impl !== undefined ? ['--target-impl', `${p}=${o.impl}`] : []),
  ];
}

/**
 * The shard's script: the bench, then its result file between the markers on stdout (so `kubectl
 * logs` holds it), and the bench's exit status. "${JOB_COMPLETION_INDEX}" is the shell's: the Job
 * sets it in every pod (and the env below, from the pod's annotation, makes sure of it).
 */
export function shardScript(o: K8sOptions, plan: Pick<ClusterPlan, 'targetUrl' | 'statsUrl' | 'startAtMs'>): string {
  const n = String(o.generators);
  const args = benchArgs(o, plan).map(shellQuote).join(' ');
  return [
    `npm run --silent bench -- ${args} --shard "\${JOB_COMPLETION_INDEX}/${n}" --out ${RESULT_FILE}`,
    'rc=$?',
    `echo "${beginLine('${JOB_COMPLETION_INDEX}', n, '${rc}')}"`,
    `if [ -s ${RESULT_FILE} ]; then cat ${RESULT_FILE}; echo; fi`,
    `echo "${endLine('${JOB_COMPLETION_INDEX}', n)}"`,
    'exit $rc',
  ].join('\n');
}

/** Waits (in an init container) until the server's stats endpoint answers, up to the shared start. */
const WAIT_FOR_SERVER =
  'const [u, s] = process.argv.slice(1); const end = Date.now() + Number(s) * 1000;' +
  ' (async () => { for (;;) { try { if ((await fetch(u)).ok) return; } catch {}' +
  " if (Date.now() > end) { console.error('no answer from ' + u); process.exit(1); }" +
  ' await new Promise((r) => setTimeout(r, 1000)); } })();';

/** Pure: the three objects of a cluster run, for a shared start `startInS` seconds after nowMs. */
export function clusterManifests(o: K8sOptions, nowMs: number): ClusterPlan {
  const server = driverRow(o.protocol).server;
  const serverName = `${o.name}-server`;
  const jobName = `${o.name}-generators`;
  // The Service's DNS name; `<svc>.<ns>.svc` resolves from any namespace whatever the cluster domain.
  const host = `${serverName}.${o.namespace}.svc`;
  // Whole seconds: the time is printed and compared by people, and a shard's clock is no finer anyway.
  const startAtMs = Math.ceil((nowMs + o.startInS * 1000) / 1000) * 1000;
  const plan = {
    targetUrl: serverUrl(server, host, SERVER_PORT),
    statsUrl: `http://${host}:${ADMIN_PORT}${STATS_PATH}`,
    startAtMs,
  };
  const meta = (name: string, component: 'server' | 'generator') => ({
    name,
    namespace: o.namespace,
    labels: labels(o, component),
  });

  const serverArgs = [
    ...['run', '--silent', 'serve', '--', '--protocol', server, '--host', '0.0.0.0', '--port', String(SERVER_PORT)],
    // Inside the pod network only: the Service is ClusterIP, and the endpoint shows counters, nothing else.
    ...['--admin-port', String(ADMIN_PORT), '--admin-host', '0.0.0.0'],
    ...(o.impl !== undefined ? ['--impl', o.impl] : []),
  ];
  const deployment: IDeployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(serverName, 'server'),
    spec: {
      // One server: the run measures one process, and its stats endpoint speaks for all of it.
      replicas: 1,
      selector: { matchLabels: labels(o, 'server') },
      template: {
        metadata: { labels: labels(o, 'server') },
        spec: {
          affinity: aloneOnNode(o),
          containers: [
            {
              name: 'server',
              image: o.image,
              command: ['npm'],
              args: serverArgs,
              ports: [
                { name: 'bench', containerPort: SERVER_PORT, protocol: 'TCP' },
                { name: 'admin', containerPort: ADMIN_PORT, protocol: 'TCP' },
              ],
              readinessProbe: { httpGet: { path: STATS_PATH, port: ADMIN_PORT }, periodSeconds: 2 },
              resources: resources(o.serverCpus, o.memoryMi),
              securityContext: security(),
            },
          ],
        },
      },
    },
  };
  const service: IService = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(serverName, 'server'),
    spec: {
      type: 'ClusterIP',
      selector: labels(o, 'server'),
      ports: [
        { name: 'bench', port: SERVER_PORT, targetPort: SERVER_PORT, protocol: 'TCP' },
        { name: 'admin', port: ADMIN_PORT, targetPort: ADMIN_PORT, protocol: 'TCP' },
      ],
    },
  };
  const windowS = o.warmupS + o.durationS;
  const job: IJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta(jobName, 'generator'),
    spec: {
      completionMode: 'Indexed',
      completions: o.generators,
      parallelism: o.generators,
      // Never rerun a shard: a rerun cannot share the start (issue 16); its failure is reported instead.
      backoffLimit: 0,
      activeDeadlineSeconds: o.startInS + windowS + DEADLINE_SLACK_S,
      template: {
        metadata: { labels: labels(o, 'generator') },
        spec: {
          restartPolicy: 'Never',
          affinity: aloneOnNode(o),
          initContainers: [
            {
              name: 'wait-for-server',
              image: o.image,
              command: ['node', '-e', WAIT_FOR_SERVER],
              args: [plan.statsUrl, String(o.startInS)],
              // Every container of a Guaranteed pod has requests = limits, the init container too.
              resources: resources(o.generatorCpus, o.memoryMi),
              securityContext: security(),
            },
          ],
          containers: [
            {
              name: 'bench',
              image: o.image,
              command: ['sh', '-c', shardScript(o, plan)],
              env: [
                {
                  name: 'JOB_COMPLETION_INDEX',
                  valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } },
                },
              ],
              resources: resources(o.generatorCpus, o.memoryMi),
              securityContext: security(),
            },
          ],
        },
      },
    },
  };
  return { objects: [deployment, service, job], jobName, ...plan };
}
