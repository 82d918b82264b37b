// TechEmpower's verify step: before a protocol is measured, its client fetches a sample of
// ids and every answer, after the protocol's own decoding, must equal the store's user.
import { canonicalUser, type UserJson } from '../../proto/contract.ts';
import { generateUser, type DatasetOptions } from '../../servers/dataset.ts';
import type { CallOutcome, ClientModule, Connection, Operation, PayloadBytes, Target } from '../../clients/types.ts';
import { idSequence } from '../load/ids.ts';
import { EquivalenceError } from '../errors.ts';

/** First difference between two JSON values, as a path, or null when equal. */
export function firstDifference(expected: unknown, actual: unknown, path = '$'): string | null {
  if (Object.is(expected, actual)) return null;
  if (typeof expected !== 'object' || typeof actual !== 'object' || expected === null || actual === null) {
    return `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
  }
  if (Array.isArray(expected) !== Array.isArray(actual))
    return `${path}: expected ${Array.isArray(expected) ? 'an array' : 'an object'}`;
  const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  for (const k of keys) {
    const d = firstDifference(
      (expected as Record<string, unknown>)[k],
      (actual as Record<string, unknown>)[k],
      Array.isArray(expected) ? `${path}[${k}]` : `${path}.${k}`,
    );
    if (d) return d;
  }
  return null;
}

export interface VerifyReport {
  checked: number;
  /** Application payload of a typical call, from the sample. */
  payload: PayloadBytes;
  /** Scenario figures found while verifying (e.g. requestsPerOp), copied onto the run record. */
  figures?: Record<string, unknown>;
}

/** A verify step's call, decoded: its answer, or an EquivalenceError saying which call failed and how. */
export async function decodedCall(conn: Connection, op: Operation, what: string): Promise<CallOutcome & { ok: true }> {
  const outcome = await conn.call(op, { decode: true });
  if (!outcome.ok)
    throw new EquivalenceError(
      `${what} failed: ${outcome.kind}${outcome.code ? ` ${outcome.code}` : ''}${outcome.detail ? ` (${outcome.detail})` : ''}`,
    );
  return outcome;
}

/** The same operation on an id past the data set must fail as not_found, on every protocol. */
export async function expectNotFound(conn: Connection, op: Operation, what: string): Promise<void> {
  const missing = await conn.call(op, { decode: true });
  if (missing.ok || missing.kind !== 'not_found')
    throw new EquivalenceError(`${what} (no such user) should fail as not_found, got ${missing.ok ? 'success' : missing.kind}`);
}

export async function verifyEquivalence(
  client: ClientModule,
  target: Target,
  ds: DatasetOptions,
  sample: number,
): Promise<VerifyReport> {
  const conn = await client.connect(target);
  try {
    const next = idSequence(ds.users, ds.seed ^ 0x5eed);
    let req = 0;
    let res = 0;
    for (let i = 0; i < sample; i++) {
      const id = next();
      const outcome = await decodedCall(conn, { op: 'getUser', id }, `getUser(${id})`);
      if (!outcome.user) throw new EquivalenceError(`getUser(${id}) returned no decoded user`);
      const expected: UserJson = canonicalUser(generateUser(ds, id));
      const diff = firstDifference(expected, canonicalUser(outcome.user));
      if (diff) throw new EquivalenceError(`getUser(${id}) differs from the store: ${diff}`);
      req += outcome.payload.request;
      res += outcome.payload.response;
    }
    await expectNotFound(conn, { op: 'getUser', id: ds.users + 1 }, `getUser(${ds.users + 1})`);
    return { checked: sample, payload: { request: req / sample, response: res / sample } };
  } finally {
    await conn.close();
  }
}
