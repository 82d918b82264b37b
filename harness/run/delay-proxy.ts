// A delaying TCP proxy: the harness's stand-in for a network with latency, since this kernel
// has no sch_netem (`tc qdisc ... netem` answers "Specified qdisc kind is unknown"; tbf and
// network namespaces work, but tbf shapes rate, not delay). Accepts on 127.0.0.1:0, opens
// one upstream connection per accepted one, and forwards every chunk `delayMs` after it
// arrived, in order, both ways: a one-way delay, so a request/response round trip costs
// 2 x delayMs. Unlike netem it does not delay TCP's own handshake or ACKs (the kernel does
// those on each leg at loopback speed), so it models propagation delay for application
// data, which is what round-trip counts are about, not TCP slow start.
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';

export interface DelayProxy {
  host: string;
  port: number;
  delayMs: number;
  close(): Promise<void>;
}

/** How a run's network delay was made, recorded on each run record as `network`. */
export interface NetworkInfo {
  delayMs: number;
  method: 'tcp-proxy';
  /** Round-trip cost of the proxy itself (delay 0 through the proxy minus direct), median, microseconds. */
  overheadUs: number;
  /** Whether `tc netem` could have been used instead, and why not. */
  netem: { available: boolean; reason: string };
}

/** One direction of one connection: chunks leave in arrival order, each delayMs after it came. */
class DelayedPipe {
  private readonly queue: Array<{ due: number; chunk: Buffer | null }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly to: net.Socket,
    private readonly delayMs: number,
  ) {}

  push(chunk: Buffer | null): void {
    if (this.delayMs === 0 && this.queue.length === 0) return this.emit(chunk);
    this.queue.push({ due: performance.now() + this.delayMs, chunk });
    this.timer ??= setTimeout(() => this.flush(), this.delayMs);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.queue.length = 0;
  }

  private flush(): void {
    this.timer = undefined;
    const now = performance.now();
    // setTimeout may fire up to ~1 ms early by performance.now(); a small slack keeps
    // chunks from being re-armed for a sub-millisecond remainder.
    while (this.queue.length > 0 && this.queue[0]!.due <= now + 0.5) this.emit(this.queue.shift()!.chunk);
    if (this.queue.length > 0) this.timer = setTimeout(() => this.flush(), Math.max(0, this.queue[0]!.due - now));
  }

  private emit(chunk: Buffer | null): void {
    if (this.to.destroyed) return;
    // null marks the sender's FIN, passed on after the same delay as the data before it.
    if (chunk === null) this.to.end();
    else this.to.write(chunk);
  }
}

export async function startDelayProxy(target: { host: string; port: number }, delayMs: number): Promise<DelayProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    // Bytes from the client wait for the upstream connection; a Node socket buffers writes
    // made before 'connect', so nothing is lost or reordered.
    const up = new DelayedPipe(upstream, delayMs);
    const down = new DelayedPipe(client, delayMs);
    client.on('data', (c: Buffer) => up.push(c));
    upstream.on('data', (c: Buffer) => down.push(c));
    client.on('end', () => up.push(null));
    upstream.on('end', () => down.push(null));
    const kill = (): void => {
      up.stop();
      down.stop();
      client.destroy();
      upstream.destroy();
    };
    client.on('error', kill);
    upstream.on('error', kill);
    // Half-closed both ways means done.
    client.on('close', () => (upstream.writableEnded || upstream.destroyed) && upstream.destroy());
    upstream.on('close', () => (client.writableEnded || client.destroyed) && client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    delayMs,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Median round trip (us) of `n` one-byte ping-pongs over a fresh connection to `port`. */
async function pingPongUs(port: number, n: number): Promise<number> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const times: number[] = [];
  const one = Buffer.from([1]);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      socket.once('data', () => resolve());
      socket.write(one);
    });
    times.push((performance.now() - t0) * 1000);
  }
  socket.destroy();
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/**
 * The proxy's own cost: median ping-pong round trip to a local echo server through a
 * delay-0 proxy minus the same directly. Measured in this process, on this machine, now.
 */
export async function measureProxyOverheadUs(rounds = 300): Promise<number> {
  const echo = net.createServer((s) => {
    s.setNoDelay(true);
    s.on('data', (c) => s.write(c));
    s.on('error', () => undefined);
  });
  echo.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => echo.once('listening', resolve));
  const echoPort = (echo.address() as AddressInfo).port;
  const proxy = await startDelayProxy({ host: '127.0.0.1', port: echoPort }, 0);
  try {
    // Interleaved halves so a noisy moment does not land on one side only.
    const direct: number[] = [];
    const via: number[] = [];
    for (let i = 0; i < 3; i++) {
      direct.push(await pingPongUs(echoPort, rounds / 3));
      via.push(await pingPongUs(proxy.port, rounds / 3));
    }
    const med = (xs: number[]): number => xs.sort((a, b) => a - b)[1]!;
    return Math.round(Math.max(0, med(via) - med(direct)));
  } finally {
    await proxy.close();
    await new Promise<void>((resolve) => echo.close(() => resolve()));
  }
}

/**
 * Could `tc netem` make the delay instead? Tried for real in a throwaway network namespace
 * (root only), since the module may be missing even where tc is installed.
 */
export function detectNetem(): { available: boolean; reason: string } {
  if (process.getuid?.() !== 0) return { available: false, reason: 'not root: cannot create a network namespace to try netem' };
  const ns = `pbench-netem-${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', ns], { stdio: 'pipe' });
  } catch (err) {
    return { available: false, reason: `ip netns add failed: ${firstLine(err)}` };
  }
  try {
    execFileSync('ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'], {
      stdio: 'pipe',
    });
    return {
      available: true,
      reason: 'tc netem works in a network namespace; the harness still uses its TCP proxy (same method on every kernel)',
    };
  } catch (err) {
    return { available: false, reason: `this kernel has no netem: ${firstLine(err)}` };
  } finally {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'pipe' });
    } catch {
      /* already gone */
    }
  }
}

function firstLine(err: unknown): string {
  const e = err as { stderr?: Buffer; message?: string };
  return (e.stderr?.toString() || e.message || String(err)).trim().split('\n')[0] ?? '';
}

let netemCache: { available: boolean; reason: string } | undefined;

/** Proxy overhead and netem availability, for the run record's `network` field. */
export async function describeNetwork(delayMs: number): Promise<NetworkInfo> {
  netemCache ??= detectNetem();
  return { delayMs, method: 'tcp-proxy', overheadUs: await measureProxyOverheadUs(), netem: netemCache };
}
