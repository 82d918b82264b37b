// A cluster in network namespaces (issue 16, item 5): one namespace for the server, one per
// generator shard, each with its own address on one bridge, so the shards reach the server over
// veth pairs as pods reach a Service, not over loopback. Everything lives inside the namespaces:
// the bridge sits in the server's namespace and each veth is created with its ends already in
// place, so the host's own interfaces, routes and firewall are never touched, and deleting the
// namespaces removes every interface with them. Needs root (CAP_NET_ADMIN) and iproute2.
import { execFileSync } from 'node:child_process';

/** The simulated cluster's subnet: private, and routed nowhere outside the namespaces. */
const SUBNET = '10.199.0';

export interface SimNetwork {
  serverNs: string;
  serverAddress: string;
  shardNs: string[];
  shardAddresses: string[];
  /** The `ip ...` argument lists that build it, in order. */
  setup: string[][];
}

/** Pure: the namespaces, addresses and `ip` commands of a cluster of `shards` (tag keeps names unique). */
export function planSimNetwork(shards: number, tag: string): SimNetwork {
  const serverNs = `${tag}-server`;
  const serverAddress = `${SUBNET}.1`;
  const shardNs = Array.from({ length: shards }, (_, i) => `${tag}-shard${i}`);
  const shardAddresses = shardNs.map((_, i) => `${SUBNET}.${10 + i}`);
  const setup: string[][] = [
    ['netns', 'add', serverNs],
    ['-n', serverNs, 'link', 'set', 'lo', 'up'],
    ['-n', serverNs, 'link', 'add', 'br0', 'type', 'bridge'],
    ['-n', serverNs, 'addr', 'add', `${serverAddress}/24`, 'dev', 'br0'],
    ['-n', serverNs, 'link', 'set', 'br0', 'up'],
  ];
  shardNs.forEach((ns, i) => {
    // Interface names are created in place (at most 15 characters each, unique per namespace).
    setup.push(
      ['netns', 'add', ns],
      ['-n', ns, 'link', 'set', 'lo', 'up'],
      ['link', 'add', 'eth0', 'netns', ns, 'type', 'veth', 'peer', 'name', `shard${i}`, 'netns', serverNs],
      ['-n', ns, 'addr', 'add', `${shardAddresses[i]}/24`, 'dev', 'eth0'],
      ['-n', ns, 'link', 'set', 'eth0', 'up'],
      ['-n', serverNs, 'link', 'set', `shard${i}`, 'master', 'br0'],
      ['-n', serverNs, 'link', 'set', `shard${i}`, 'up'],
    );
  });
  return { serverNs, serverAddress, shardNs, shardAddresses, setup };
}

/** Why namespaces cannot be made here, or null when they can (root and a working `ip netns`). */
export function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0)
    return 'network namespaces need root (CAP_NET_ADMIN); run as root or use the plain-process variant';
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return null;
  } catch (err) {
    return `\`ip netns\` does not work here (${(err as Error).message.split('\n')[0]}); is iproute2 installed?`;
  }
}

/** Builds the network; on any failure removes what was made and throws. */
export function createSimNetwork(net: SimNetwork): void {
  try {
    for (const args of net.setup) execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    destroySimNetwork(net);
    throw new Error(`could not build the simulated cluster network: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
}

/** Deletes every namespace of the network (their interfaces go with them). Synchronous, so exit handlers can call it. */
export function destroySimNetwork(net: Pick<SimNetwork, 'serverNs' | 'shardNs'>): void {
  for (const ns of [...net.shardNs, net.serverNs]) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      // Not made (setup failed before it) or already gone.
    }
  }
}

/** The command line that runs `argv` inside namespace `ns`. */
export function inNamespace(ns: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...argv];
}
