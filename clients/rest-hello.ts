// Calibration driver: the REST driver against fastify's smallest route (GET /v1/hello ->
// {"hello":"world"}), to measure how close getUser comes to the server's own ceiling.
import { Http1Connection, buildRequest, classifyNetError } from './wire/http1.ts';
import type { CallOutcome, ClientModule } from './types.ts';

export const connect: ClientModule['connect'] = async ({ host, port }) => {
  const conn = await Http1Connection.connect(host, port);
  const request = buildRequest('GET', '/v1/hello', `${host}:${port}`, { Accept: 'application/json' });
  return {
    setupBytes: { out: 0, in: 0 },
    wireBytes: () => conn.bytes(),
    async call(): Promise<CallOutcome> {
      try {
        const res = await conn.request(request);
        if (res.status === 200) return { ok: true, payload: { request: 0, response: res.body.length } };
        return { ok: false, kind: res.status >= 500 ? 'server_error' : 'client_error', code: String(res.status) };
      } catch (err) {
        return { ok: false, kind: classifyNetError(err), detail: (err as Error).message };
      }
    },
    close: () => conn.close(),
  };
};
