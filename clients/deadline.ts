// deadline scenario clients: getUser given up after op.deadlineMs, each protocol its own way.
//   grpc-js    the call's `deadline` option: grpc-js sends grpc-timeout and ends the call with
//              DEADLINE_EXCEEDED when its timer fires; the channel stays up.
//   rest       node:http with a keep-alive Agent; at the deadline the request is destroyed. On
//   graphql    HTTP/1.1 that closes its TCP connection (there is no per-request cancel), so the
//              next call opens a new one.
//   websocket  the lean ws client; a timer gives up on the reply, which is dropped when it
//   sse        comes (no cancel message exists); the connection and stream stay up.
// With expect 'deadline' the deadline error is the call's success and an answer is an error
// (the deadline was not enforced); with expect 'answer' it is the other way round.
import http from 'node:http';
import type net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { canonicalUser, userFromProto, type UserJson } from '../proto/contract.ts';
import type { User__Output } from '../generated/proto/bench/v1/User.ts';
import type { ProtocolName } from '../harness/protocols.ts';
import { classifyGrpcStatus } from './grpc.ts';
import { GRAPHQL_PATH, getUserBody, outcomeFromBody } from './graphql.ts';
import { classifyNetError, httpFailure, statusFailure } from './wire/http1.ts';
import {
  unsupported,
  withCalls,
  type ByteCount,
  type CallOutcome,
  type ClientModule,
  type Connection,
  type Operation,
} from './types.ts';

export type DeadlineOp = Extract<Operation, { op: 'getUserWithDeadline' }>;

/** How a call ended before the scenario's expectation is applied. */
type Natural = { answered: CallOutcome } | { deadline: string };

/** Apply the op's expectation: which of "answered" and "deadline" counts as the call's success. */
export function judge(op: DeadlineOp, natural: Natural, requestBytes: number): CallOutcome {
  if ('deadline' in natural) {
    if (op.expect === 'deadline') return { ok: true, payload: { request: requestBytes, response: 0 } };
    return { ok: false, kind: 'timeout', code: natural.deadline, detail: `no answer within the ${op.deadlineMs} ms deadline` };
  }
  const o = natural.answered;
  if (op.expect === 'answer' || !o.ok) return o;
  return {
    ok: false,
    kind: 'client_error',
    code: 'answered_before_deadline',
    detail: `answered within the ${op.deadlineMs} ms deadline: the server was not slower than the deadline`,
  };
}

/**
 * An answer handled after the deadline had passed is a deadline failure: the timer was due but
 * had not run yet (a busy event loop can run the socket's data before a late timer).
 */
function answeredOrLate(op: DeadlineOp, t0: number, o: CallOutcome, code: string): Natural {
  return performance.now() - t0 >= op.deadlineMs ? { deadline: code } : { answered: o };
}

/** Race a call against a client-side timer; the loser's result is ignored. */
function withTimer(call: () => Promise<CallOutcome>, op: DeadlineOp, requestBytes: number): Promise<CallOutcome> {
  return new Promise((resolve) => {
    let done = false;
    const t0 = performance.now();
    const timer = setTimeout(() => {
      done = true;
      resolve(judge(op, { deadline: 'client_timeout' }, requestBytes));
    }, op.deadlineMs);
    void call().then((o) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(judge(op, answeredOrLate(op, t0, o, 'client_timeout'), requestBytes));
    });
  });
}

// ---------------------------------------------------------------- grpc-js

const grpcJs: ClientModule = {
  description: 'stock @grpc/grpc-js client with the deadline call option (DEADLINE_EXCEEDED)',
  async connect(target) {
    const { connect, wireSizeOf } = await import('./grpc-js.ts');
    const inner = await connect(target);
    return withCalls(inner, (op, options): Promise<CallOutcome> => {
      if (op.op !== 'getUserWithDeadline') return Promise.resolve(unsupported(op));
      const request = { id: op.id };
      return new Promise((resolve) => {
        inner.client.GetUser(request, { deadline: Date.now() + op.deadlineMs }, (err, res) => {
          // grpc-js's wrapped serialiser notes the request's encoded size on the object.
          const requestBytes = wireSizeOf(request);
          if (err) {
            const se = err as grpc.ServiceError;
            if (se.code === grpc.status.DEADLINE_EXCEEDED)
              return resolve(judge(op, { deadline: 'DEADLINE_EXCEEDED' }, requestBytes));
            return resolve(classifyGrpcStatus(se.code, se.details));
          }
          if (!res) return resolve({ ok: false, kind: 'protocol_error', detail: 'no response message' });
          const answered: CallOutcome = {
            ok: true,
            payload: { request: requestBytes, response: wireSizeOf(res) },
            ...(options?.decode && { user: canonicalUser(userFromProto(res as User__Output)) }),
          };
          resolve(judge(op, { answered }, requestBytes));
        });
      });
    });
  },
};

// ---------------------------------------------------------------- REST and GraphQL (node:http)

interface HttpAnswer {
  status: number;
  body: Buffer;
}

/**
 * node:http calls on a keep-alive Agent; socket bytes summed over every socket the agent
 * opened (aborted calls close theirs), so wire bytes include the reconnections.
 */
function httpClient(
  request: (op: DeadlineOp) => { options: http.RequestOptions; body?: string },
  outcome: (a: HttpAnswer, decode: boolean) => CallOutcome,
): ClientModule {
  return {
    description: 'node:http keep-alive agent; the request is destroyed at the deadline (on HTTP/1.1 that closes its connection)',
    async connect({ host, port }) {
      const agent = new http.Agent({ keepAlive: true });
      const live = new Set<net.Socket>();
      const closedBytes: ByteCount = { out: 0, in: 0 };
      const track = (s: net.Socket): void => {
        if (live.has(s)) return;
        live.add(s);
        s.setNoDelay(true);
        s.once('close', () => {
          live.delete(s);
          closedBytes.out += s.bytesWritten;
          closedBytes.in += s.bytesRead;
        });
      };
      return {
        setupBytes: { out: 0, in: 0 },
        wireBytes: () => {
          const b = { ...closedBytes };
          for (const s of live) {
            b.out += s.bytesWritten;
            b.in += s.bytesRead;
          }
          return b;
        },
        close: async () => agent.destroy(),
        call(op, options): Promise<CallOutcome> {
          if (op.op !== 'getUserWithDeadline') return Promise.resolve(unsupported(op));
          const { options: reqOptions, body } = request(op);
          const requestBytes = body ? Buffer.byteLength(body) : 0;
          return new Promise((resolve) => {
            let done = false;
            const finish = (o: CallOutcome): void => {
              if (done) return;
              done = true;
              clearTimeout(timer);
              resolve(o);
            };
            const t0 = performance.now();
            const req = http.request({ host, port, agent, ...reqOptions }, (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () => {
                const answered = outcome({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }, options?.decode === true);
                finish(judge(op, answeredOrLate(op, t0, answered, 'client_abort'), requestBytes));
              });
              res.on('error', (err) => finish({ ok: false, kind: classifyNetError(err), detail: err.message }));
            });
            // The deadline: destroying the request closes its socket (HTTP/1.1 cannot cancel
            // one request and keep the connection).
            const timer = setTimeout(() => {
              finish(judge(op, { deadline: 'client_abort' }, requestBytes));
              req.destroy();
            }, op.deadlineMs);
            req.on('socket', track);
            req.on('error', (err) => finish({ ok: false, kind: classifyNetError(err), detail: err.message }));
            req.end(body);
          });
        },
      };
    },
  };
}

const rest = httpClient(
  (op) => ({ options: { method: 'GET', path: `/v1/users/${op.id}`, headers: { Accept: 'application/json' } } }),
  ({ status, body }, decode) => {
    const payload = { request: 0, response: body.length };
    if (status !== 200) return httpFailure(status, body);
    return decode
      ? { ok: true, payload, user: canonicalUser(JSON.parse(body.toString('utf8')) as UserJson) }
      : { ok: true, payload };
  },
);

const graphql = httpClient(
  (op) => {
    const body = getUserBody(op.id);
    return {
      body,
      options: {
        method: 'POST',
        path: GRAPHQL_PATH,
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
    };
  },
  ({ status, body }) => {
    const payload = { request: 0, response: body.length };
    if (status !== 200) return statusFailure(status, body);
    // outcomeFromBody always decodes; the scenario's answers are the verify step's only.
    return outcomeFromBody(JSON.parse(body.toString('utf8')) as Parameters<typeof outcomeFromBody>[0], payload);
  },
);

// ---------------------------------------------------------------- WebSocket and SSE (timer)

/** The row's lean getUser client, given up on by a timer; the late answer is dropped. */
function timerClient(load: () => Promise<ClientModule>): ClientModule {
  return {
    description:
      "the row's lean getUser client, given up on by a client timer at the deadline (the late answer still arrives and is dropped)",
    async connect(target) {
      const inner: Connection = await (await load()).connect(target);
      return withCalls(inner, (op, options): Promise<CallOutcome> => {
        if (op.op !== 'getUserWithDeadline') return Promise.resolve(unsupported(op));
        return withTimer(() => inner.call({ op: 'getUser', id: op.id }, options), op, 0);
      });
    },
  };
}

const websocket = timerClient(() => import('./websocket.ts'));
const sse = timerClient(() => import('./sse.ts'));

export const DEADLINE_CLIENTS: Partial<Record<ProtocolName, ClientModule>> = { rest, 'grpc-js': grpcJs, websocket, graphql, sse };
