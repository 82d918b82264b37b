// The HTTP edge of the live metrics: `GET /metrics` answers the current exposition (OpenMetrics, or
// text 0.0.4 to a scraper that asks only for text/plain). Bound only when `--metrics-port` asks,
// closed when the bench ends.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { InputError } from '../errors.ts';
import { CONTENT_TYPES, negotiateFormat, renderExposition, type MetricsSnapshot } from './openmetrics-render.ts';

export interface MetricsServer {
  /** e.g. http://127.0.0.1:9464/metrics (the port the OS chose when asked for 0). */
  url: string;
  close(): Promise<void>;
}

export async function serveMetrics(
  listen: { host: string; port: number },
  snapshot: () => MetricsSnapshot,
): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    if (pathname !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: the metrics are at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const format = negotiateFormat(req.headers.accept);
    const body = renderExposition(snapshot(), format);
    res.writeHead(200, { 'content-type': CONTENT_TYPES[format], 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        // Bind failures are the caller's to fix (another port, another address): exit 2 before any run.
        new InputError(
          `--metrics-port ${listen.port} --metrics-host ${listen.host}: cannot listen (${err.code ?? err.message}); ` +
            'choose a free port (0 lets the system pick one) or an address of this machine',
        ),
      ),
    );
    server.listen(listen.port, listen.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        // A scraper's kept-alive connection must not hold the bench open.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
