// gRPC server streaming with @grpc/grpc-js: bench.v1.UserEvents/Subscribe (proto/events.proto).
// - resume=false starts live; the newest event id is sent at once as the `last-event-id`
//   response header, the position a subscriber resumes from if it loses the stream before
//   its first event. resume=true replays every buffered event after after_event_id first,
//   then goes live, in the same tick (nothing lost or sent twice in between).
// - Each UserEvent is encoded to protobuf once per event; the method's serializer passes that
//   Buffer through (grpc-js still frames it per stream), so fan-out does not re-encode per
//   subscriber, as the JSON transports do not re-serialize either.
// - Heartbeat: grpc-js keep-alive sends an HTTP/2 PING every heartbeatMs and drops a
//   connection whose PING is not answered within heartbeatMs (half-open: within two intervals).
// - drop() ends streams with UNAVAILABLE, the status a client retries (server-side close).
import * as grpc from '@grpc/grpc-js';
import { encodeUserEvent, EVENTS_SERVICE, loadEventsDefinition } from '../../proto/events.ts';
import type { UserEvent } from './events.ts';
import { dropFirst, DEFAULT_HEARTBEAT_MS, type PushServer, type PushServerOptions, type StartPushServer } from './types.ts';

interface SubscribeRequest {
  resume: boolean;
  afterEventId: number;
}
type SubscribeCall = grpc.ServerWritableStream<SubscribeRequest, Buffer>;

/** Most messages a stream may have queued in grpc-js before it is dropped (it resumes). */
const MAX_QUEUED_MESSAGES = 20_000;

export const start: StartPushServer = (o) => startGrpcPush(o);

export async function startGrpcPush({
  host,
  port,
  log,
  heartbeatMs = DEFAULT_HEARTBEAT_MS,
}: PushServerOptions): Promise<PushServer> {
  const def = loadEventsDefinition()[EVENTS_SERVICE] as grpc.ServiceDefinition;
  const method = def.Subscribe as grpc.MethodDefinition<SubscribeRequest, Buffer>;
  const service: grpc.ServiceDefinition = {
    Subscribe: { ...method, responseSerialize: (b: Buffer) => b },
  };
  const encoded = new WeakMap<UserEvent, Buffer>();
  const encode = (e: UserEvent): Buffer => {
    let b = encoded.get(e);
    if (!b) encoded.set(e, (b = encodeUserEvent(e.eventId, e.createdUs, e.user)));
    return b;
  };
  const calls = new Set<SubscribeCall>();

  const handlers: grpc.UntypedServiceImplementation = {
    Subscribe(call: SubscribeCall) {
      const { resume, afterEventId } = call.request;
      const md = new grpc.Metadata();
      md.set('last-event-id', String(log.lastId));
      call.sendMetadata(md);
      if (resume) for (const e of log.since(Number(afterEventId))) call.write(encode(e));
      calls.add(call);
      const gone = (): void => {
        calls.delete(call);
      };
      call.on('cancelled', gone);
      call.on('error', gone);
      call.on('finish', gone);
      call.on('close', gone);
    },
  };

  const server = new grpc.Server({
    'grpc.keepalive_time_ms': heartbeatMs,
    'grpc.keepalive_timeout_ms': heartbeatMs,
  });
  server.addService(service, handlers);
  const boundPort = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });

  const unsubscribe = log.subscribe((e) => {
    const b = encode(e);
    for (const call of calls) {
      if (call.writableLength > MAX_QUEUED_MESSAGES) {
        calls.delete(call);
        call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'subscriber too slow; resume' });
      } else call.write(b);
    }
  });

  return {
    port: boundPort,
    subscribers: () => calls.size,
    drop: (count) =>
      dropFirst(calls, count, (call) => {
        calls.delete(call);
        // grpc-js turns an 'error' on a server stream into its status and ends the stream.
        call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'dropped by the server' });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        unsubscribe();
        // Streams never end on their own: do not wait for them.
        server.forceShutdown();
        resolve();
      }),
  };
}
