// Loading proto/events.proto (the gRPC push contract) for the push server and subscribers,
// and the UserEvent encoding both sides agree on.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import protobuf from 'protobufjs';
import * as protoLoader from '@grpc/proto-loader';
import { PROTO_LOADER_OPTIONS, userToProto, type UserJson } from './contract.ts';

const PROTO_DIR = path.dirname(fileURLToPath(import.meta.url));
export const EVENTS_SERVICE = 'bench.v1.UserEvents';
export const SUBSCRIBE_PATH = `/${EVENTS_SERVICE}/Subscribe`;

export function loadEventsDefinition(): protoLoader.PackageDefinition {
  return protoLoader.loadSync('events.proto', { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_DIR] });
}

let root: protobuf.Root | undefined;
function eventsRoot(): protobuf.Root {
  if (!root) {
    root = new protobuf.Root();
    // events.proto imports "user.proto" relative to this folder; google/* are protobufjs built-ins.
    root.resolvePath = (_origin, target) => (target.startsWith('google/') ? target : path.join(PROTO_DIR, path.basename(target)));
    root.loadSync('events.proto');
  }
  return root;
}

export function eventsType(name: 'UserEvent' | 'SubscribeRequest' | 'User'): protobuf.Type {
  return eventsRoot().lookupType(`bench.v1.${name}`);
}

/** The protobuf UserEvent (no gRPC framing). */
export function encodeUserEvent(eventId: number, createdUs: number, user: UserJson): Buffer {
  const t = eventsType('UserEvent');
  return Buffer.from(t.encode(t.create({ eventId, createdUs, user: userToProto(user) })).finish());
}

export function encodeSubscribeRequest(resume: boolean, afterEventId: number): Buffer {
  const t = eventsType('SubscribeRequest');
  return Buffer.from(t.encode(t.create({ resume, afterEventId })).finish());
}
