// Everything both sides need to speak the contract in proto/user.proto: where it is, how it
// is loaded (the same options as `npm run gen`), the JSON shape derived from the generated
// types, and the two conversions between JSON and protobuf shapes.
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import * as protoLoader from '@grpc/proto-loader';
import type { User, User__Output } from '../generated/proto/bench/v1/User.ts';
import type { Address__Output } from '../generated/proto/bench/v1/Address.ts';

export const PROTO_PATH = fileURLToPath(new URL('./user.proto', import.meta.url));
export const PROTO_PACKAGE = 'bench.v1';
export const SERVICE_NAME = `${PROTO_PACKAGE}.UserService`;

/** proto-loader options; keep in step with the `gen` script in package.json. */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  keepCase: false,
};

export function loadPackageDefinition(): protoLoader.PackageDefinition {
  return protoLoader.loadSync(PROTO_PATH, PROTO_LOADER_OPTIONS);
}

/** protobufjs root, for encoding/decoding outside grpc-js (lean drivers, size accounting). */
let root: protobuf.Root | undefined;
export function protoRoot(): protobuf.Root {
  root ??= protobuf.loadSync(PROTO_PATH);
  return root;
}
export function protoType(
  name: 'User' | 'GetUserRequest' | 'ListUsersRequest' | 'CreateUserRequest' | 'CreateUsersResponse' | 'ChatMessage',
): protobuf.Type {
  return protoRoot().lookupType(`${PROTO_PACKAGE}.${name}`);
}

/**
 * The JSON shape of a User (proto3 JSON mapping): the generated output type with the
 * Timestamp rendered as an RFC 3339 string and the address always present.
 */
export type UserJson = Omit<User__Output, 'address' | 'createdAt'> & {
  address: Address__Output;
  createdAt: string;
};

/** RFC 3339 with whole seconds, as proto3 JSON prints a Timestamp with zero nanos. */
export function formatTimestamp(seconds: number, nanos = 0): string {
  const iso = new Date(seconds * 1000 + Math.floor(nanos / 1e6)).toISOString();
  return nanos === 0 ? iso.replace('.000Z', 'Z') : iso;
}

export function userToProto(u: UserJson): User {
  const ms = Date.parse(u.createdAt);
  return {
    id: u.id,
    username: u.username,
    email: u.email,
    age: u.age,
    roles: u.roles,
    address: u.address,
    createdAt: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 },
  };
}

/** Shape a decoded protobuf User the way JSON carries it, so answers can be compared. */
export function userFromProto(p: User__Output): UserJson {
  const ts = p.createdAt ?? { seconds: 0, nanos: 0 };
  return {
    id: p.id,
    username: p.username,
    email: p.email,
    age: p.age,
    roles: [...p.roles],
    address: p.address ?? { street: '', city: '', country: '', postalCode: '' },
    createdAt: formatTimestamp(Number(ts.seconds), ts.nanos),
  };
}

/** Keep exactly the contract's fields, in the contract's order (drops __typename etc.). */
export function canonicalUser(u: UserJson): UserJson {
  return {
    id: Number(u.id),
    username: u.username,
    email: u.email,
    age: u.age,
    roles: [...u.roles],
    address: {
      street: u.address.street,
      city: u.address.city,
      country: u.address.country,
      postalCode: u.address.postalCode,
    },
    createdAt: u.createdAt,
  };
}
