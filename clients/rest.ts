// Lean REST driver: GET /v1/users/:id with requests pre-built per id.
import { canonicalUser, type UserJson } from '../proto/contract.ts';
import { Http1Connection, buildRequest, classifyNetError, httpFailure } from './wire/http1.ts';
import { RestProfileClient } from './nested-profile.ts';
import { unsupported, type CallOutcome, type ClientModule, type Connection } from './types.ts';

export const connect: ClientModule['connect'] = async ({ host, port }) => {
  const conn = await Http1Connection.connect(host, port);
  const authority = `${host}:${port}`;
  const cache = new Map<number, Buffer>();
  const requestFor = (id: number): Buffer => {
    let b = cache.get(id);
    if (!b) cache.set(id, (b = buildRequest('GET', `/v1/users/${id}`, authority, { Accept: 'application/json' })));
    return b;
  };

  // nestedProfile's waterfall, with its extra connections (opened on first use only).
  const profiles = new RestProfileClient(host, port, conn);

  const connection: Connection = {
    setupBytes: { out: 0, in: 0 }, // HTTP/1.1 has no handshake beyond TCP's
    wireBytes: () => profiles.bytes(),
    async call(op, options): Promise<CallOutcome> {
      if (op.op === 'nestedProfile') return profiles.fetch(op.id, options?.decode === true);
      if (op.op !== 'getUser') return unsupported(op);
      let res;
      try {
        res = await conn.request(requestFor(op.id));
      } catch (err) {
        return { ok: false, kind: classifyNetError(err), detail: (err as Error).message };
      }
      if (res.status === 200) {
        const payload = { request: 0, response: res.body.length };
        if (!options?.decode) return { ok: true, payload };
        return { ok: true, payload, user: canonicalUser(JSON.parse(res.body.toString('utf8')) as UserJson) };
      }
      return httpFailure(res.status, res.body);
    },
    close: async () => {
      await Promise.all([profiles.close(), conn.close()]);
    },
  };
  return connection;
};
