// The claims-misc checks on real servers, by what they observe: which users each page walk returned
// while the table changed, which health statuses a grpc.health.v1 client saw, and which calls the
// interceptors let through, refused and logged. Counts and order only, never timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import {
  consistency,
  DRIFT_PAGE,
  DRIFT_USERS,
  offsetDriftCheck,
  offsetDriftWalks,
  type Walk,
} from '../claims/checks-offset-drift.ts';
import {
  grpcExtrasCheck,
  healthAsSpecified,
  interceptorsActAsMiddleware,
  observeHealth,
  observeInterceptors,
} from '../claims/checks-grpc-extras.ts';
import { BY_REF } from '../claims/registry.ts';
import { SERVICE_NAME } from '../proto/contract.ts';

test('consistency: a skipped, a repeated and a deleted user, and the page the new user came on', () => {
  const w: Walk = {
    mode: 'offset',
    before: [1, 2, 3, 4, 5, 6],
    deleted: 2,
    inserted: 7,
    pages: [
      [1, 2],
      [4, 4],
      [6, 7],
    ],
  };
  assert.deepEqual(consistency(w), { skipped: [3, 5], duplicated: [4], insertedOnPage: 3 });
});

test('offset pages skip the first user of page 2 after a delete on page 1; cursor pages return every user once', async () => {
  const { offset, cursor } = await offsetDriftWalks();
  // A fresh table: ids 1..DRIFT_USERS, page 1 is 1..DRIFT_PAGE and its 5th user is deleted.
  assert.deepEqual(offset.before.length, DRIFT_USERS);
  assert.equal(offset.deleted, 5);
  assert.deepEqual(
    offset.pages[0],
    Array.from({ length: DRIFT_PAGE }, (_, i) => i + 1),
  );
  // Every later row moved up one place, so offset DRIFT_PAGE starts one user late.
  assert.equal(offset.pages[1]![0], DRIFT_PAGE + 2);
  const o = consistency(offset);
  assert.deepEqual(o.skipped, [DRIFT_PAGE + 1]);
  assert.deepEqual(o.duplicated, []);
  // The user created after page 1 took the next id and came on the last page with users, once.
  const lastWithUsers = (w: Walk): number => w.pages.filter((p) => p.length > 0).length;
  assert.equal(offset.inserted, DRIFT_USERS + 1);
  assert.equal(o.insertedOnPage, lastWithUsers(offset));

  const c = consistency(cursor);
  assert.equal(cursor.before.length, DRIFT_USERS); // one deleted by the first walk, one created by it
  assert.deepEqual([c.skipped, c.duplicated], [[], []]);
  assert.equal(c.insertedOnPage, lastWithUsers(cursor));
  const returned = cursor.pages.flat();
  assert.equal(new Set(returned).size, returned.length);
});

test('the offset check holds on the REST server, with the counts in its detail', async () => {
  const r = (await offsetDriftCheck()).offsetSkips!;
  assert.deepEqual(r.samples, [1], r.detail);
  assert.match(r.detail ?? '', /By \?offset=: \d+ pages, \d+ users returned .*skipped 1 \(user 21\), repeated 0/);
  assert.match(r.detail ?? '', /By \?after= cursor: .*skipped 0, repeated 0/);
});

test('health: SERVING, then NOT_SERVING on Check and on the open Watch; unknown service NOT_FOUND by Check, SERVICE_UNKNOWN by Watch', async () => {
  const h = await observeHealth();
  assert.deepEqual(h, {
    getUser: 'OK',
    checkServer: 'SERVING',
    checkService: 'SERVING',
    checkAfter: 'NOT_SERVING',
    checkUnknown: 'NOT_FOUND',
    watchService: ['SERVING', 'NOT_SERVING'],
    watchUnknown: ['SERVICE_UNKNOWN', 'SERVING'],
  });
  assert.ok(healthAsSpecified(h));
  assert.ok(!healthAsSpecified({ ...h, checkUnknown: 'SERVICE_UNKNOWN' }), 'Check must fail an unknown service');
});

test('interceptors: calls with the token pass and are logged; calls without it are refused and never handled', async () => {
  const s = await observeInterceptors();
  const { OK, UNAUTHENTICATED } = grpc.status;
  assert.deepEqual(
    s.calls.map((c) => [c.label, c.method, c.code]),
    [
      ['client interceptor', 'GetUser', OK],
      ['client interceptor', 'ListUsers', OK],
      ['client interceptor', 'GetUser', OK],
      ['no metadata', 'GetUser', UNAUTHENTICATED],
      ['no metadata', 'ListUsers', UNAUTHENTICATED],
      ['wrong token', 'GetUser', UNAUTHENTICATED],
    ],
  );
  // The handlers ran for the three passed calls only.
  assert.deepEqual(s.handled, ['GetUser', 'ListUsers', 'GetUser']);
  // The logging interceptor saw all six, refused ones included, with the method and final status.
  assert.deepEqual(
    s.log.map((l) => [l.method, l.code, l.authorization]),
    s.calls.map((c) => [`/${SERVICE_NAME}/${c.method}`, c.code, c.label !== 'no metadata']),
  );
  assert.ok(interceptorsActAsMiddleware(s));
  assert.ok(!interceptorsActAsMiddleware({ ...s, handled: [...s.handled, 'GetUser'] }), 'a refused call reaching a handler');
});

test('the gRPC extras check holds both keys on the check-only servers', async () => {
  const r = await grpcExtrasCheck();
  assert.deepEqual(r.health!.samples, [1], r.health!.detail);
  assert.deepEqual(r.interceptors!.samples, [1], r.interceptors!.detail);
  assert.match(r.interceptors!.detail ?? '', /Handlers ran 3 time\(s\)/);
});

test('the three claims are decided by these checks, with a holds rule', () => {
  const at = (ref: string): [string, unknown, unknown, unknown] => {
    const e = BY_REF.get(ref)!;
    return [e.measure.kind, 'check' in e.measure && e.measure.check, 'key' in e.measure && e.measure.key, e.rule];
  };
  assert.deepEqual(at('offset-pagination-inconsistent'), ['check', 'offsetDrift', 'offsetSkips', { op: 'holds' }]);
  assert.deepEqual(at('grpc-health-check'), ['check', 'grpcExtras', 'health', { op: 'holds' }]);
  assert.deepEqual(at('grpc-interceptors'), ['check', 'grpcExtras', 'interceptors', { op: 'holds' }]);
  for (const ref of ['offset-pagination-inconsistent', 'grpc-health-check', 'grpc-interceptors'])
    assert.equal(BY_REF.get(ref)!.needs, undefined, `${ref}: settled here, needs nothing more`);
});
