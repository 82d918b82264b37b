// A TCP proxy that can make the connections through it half-open: freeze() stops forwarding
// both ways without closing anything, so each end keeps an ESTABLISHED socket whose peer has
// gone silent (what a dead client host, a suspended laptop or a NAT that forgot the flow look
// like to the application). Only heartbeats can tell.
import net from 'node:net';

export interface CutProxy {
  port: number;
  /** Connections accepted so far. */
  accepted(): number;
  /** Stop forwarding on every current connection; both sides stay open. New connections still work. */
  freeze(): void;
  close(): Promise<void>;
}

export async function startCutProxy(targetPort: number, host = '127.0.0.1'): Promise<CutProxy> {
  const pairs = new Set<{ a: net.Socket; b: net.Socket; frozen: boolean }>();
  let accepted = 0;
  const server = net.createServer((a) => {
    accepted++;
    const b = net.connect({ host, port: targetPort });
    const pair = { a, b, frozen: false };
    pairs.add(pair);
    a.on('data', (d) => {
      if (!pair.frozen) b.write(d);
    });
    b.on('data', (d) => {
      if (!pair.frozen) a.write(d);
    });
    const end = (): void => {
      // A frozen pair passes nothing on, not even a close: that is the point.
      if (pair.frozen) return;
      pairs.delete(pair);
      a.destroy();
      b.destroy();
    };
    a.on('close', end);
    b.on('close', end);
    a.on('error', () => {});
    b.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => accepted,
    freeze() {
      for (const p of pairs) p.frozen = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const p of pairs) {
          p.a.destroy();
          p.b.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
