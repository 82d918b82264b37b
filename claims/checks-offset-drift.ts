// Offset pages against a table that changes while a client reads it (guide L339), through the REST
// API as a client sees it: GET /v1/users?offset=&limit= page by page on the SQLite store while,
// between page 1 and page 2, an admin job deletes one user of page 1 through its own database
// connection (the contract has no delete route; a real table has other writers) and a new user
// arrives through POST /v1/users. The same walk by cursor (?after=<nextAfter>) is the comparison.
//
// The API orders by ascending id only and a new user takes the next id, so it lands after every
// page being read: the duplicate half of the claim (a row inserted ahead of the offset, as under a
// newest-first order) cannot happen through this API. The walk shows where the insert landed and
// the verdict rests on the skip.
import http from 'node:http';
import Database from 'better-sqlite3';
import { startRest } from '../servers/rest.ts';
import { createSqliteStore } from '../servers/sqlite-store.ts';
import { DEFAULT_DATASET } from '../servers/dataset.ts';
import { held, withTimeout, type CheckResult } from './observe.ts';

const HOST = '127.0.0.1';
/** The choices the verdict rests on: a small table, pages of 20, the 5th user of page 1 deleted. */
export const DRIFT_USERS = 200;
export const DRIFT_PAGE = 20;
const DELETED_INDEX = 4;

/** One client reading every page while the table changes after page 1. */
export interface Walk {
  mode: 'offset' | 'cursor';
  /** Ids in the table just before page 1. */
  before: number[];
  /** The user the admin connection deleted after page 1. */
  deleted: number;
  /** The user POST /v1/users created after page 1. */
  inserted: number;
  /** Ids of each page, in the order read. */
  pages: number[][];
}

export interface Consistency {
  /** Users present before the walk and never deleted that no page returned. */
  skipped: number[];
  /** Users more than one page returned. */
  duplicated: number[];
  /** 1-based page that returned the inserted user (0: none did). */
  insertedOnPage: number;
}

/** What a walk returned against what a consistent snapshot would have (pure). */
export function consistency(w: Walk): Consistency {
  const times = new Map<number, number>();
  for (const id of w.pages.flat()) times.set(id, (times.get(id) ?? 0) + 1);
  return {
    skipped: w.before.filter((id) => id !== w.deleted && !times.has(id)),
    duplicated: [...times].filter(([, n]) => n > 1).map(([id]) => id),
    insertedOnPage: w.pages.findIndex((p) => p.includes(w.inserted)) + 1,
  };
}

type Call = (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<unknown>;

function api(agent: http.Agent, port: number): Call {
  return (method, path, body) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = payload === undefined ? {} : { 'content-type': 'application/json' };
    const answer = new Promise<unknown>((resolve, reject) => {
      const req = http.request({ host: HOST, port, method, path, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 300) reject(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 200)}`));
          else resolve(JSON.parse(text));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
    return withTimeout(answer, 10_000, `${method} ${path}`);
  };
}

const NEW_USER = {
  username: 'late.arrival',
  email: 'late.arrival@example.com',
  age: 30,
  roles: ['user'],
  address: { street: '1 Main Street', city: 'Berlin', country: 'DE', postalCode: '10115' },
};

async function walk(mode: Walk['mode'], call: Call, admin: Database.Database): Promise<Walk> {
  const before = admin.prepare('SELECT id FROM users ORDER BY id').pluck().all() as number[];
  const pages: number[][] = [];
  let deleted = 0;
  let inserted = 0;
  let offset = 0;
  let after = 0;
  // Bounded: more pages than the table can fill would mean the paging loops.
  while (pages.length < before.length / DRIFT_PAGE + 5) {
    const path =
      mode === 'offset' ? `/v1/users?offset=${offset}&limit=${DRIFT_PAGE}` : `/v1/users?after=${after}&limit=${DRIFT_PAGE}`;
    const page = (await call('GET', path)) as { users: { id: number }[]; nextAfter: number | null };
    const ids = page.users.map((u) => u.id);
    pages.push(ids);
    if (pages.length === 1) {
      deleted = ids[DELETED_INDEX] ?? 0;
      admin.prepare('DELETE FROM users WHERE id = ?').run(deleted);
      inserted = ((await call('POST', '/v1/users', NEW_USER)) as { id: number }).id;
    }
    // A short page is the last one, for both walks (nextAfter is null then).
    if (ids.length < DRIFT_PAGE || page.nextAfter === null) break;
    // What an offset client does: the next page starts a page further on.
    offset += DRIFT_PAGE;
    after = page.nextAfter;
  }
  return { mode, before, deleted, inserted, pages };
}

/** Both walks, one after the other, on one REST server over a fresh SQLite store. */
export async function offsetDriftWalks(): Promise<{ offset: Walk; cursor: Walk }> {
  const store = createSqliteStore({ ...DEFAULT_DATASET, users: DRIFT_USERS });
  // The admin job's own connection, as a second writer to the same file would be (WAL mode).
  const admin = new Database(store.file);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let server: { port: number; close: () => unknown } | undefined;
  try {
    server = await startRest({ host: HOST, port: 0, store });
    const call = api(agent, server.port);
    const offset = await walk('offset', call, admin);
    const cursor = await walk('cursor', call, admin);
    return { offset, cursor };
  } finally {
    agent.destroy();
    await server?.close();
    admin.close();
    store.close();
  }
}

function summary(label: string, w: Walk, c: Consistency): string {
  const returned = w.pages.reduce((n, p) => n + p.length, 0);
  const list = (ids: number[]): string => (ids.length ? ` (user ${ids.join(', ')})` : '');
  return (
    `${label}: ${w.pages.length} pages, ${returned} users returned of ${w.before.length} before the walk; ` +
    `user ${w.deleted} deleted and user ${w.inserted} created after page 1; ` +
    `skipped ${c.skipped.length}${list(c.skipped)}, repeated ${c.duplicated.length}${list(c.duplicated)}, ` +
    `the new user on page ${c.insertedOnPage || 'none'}`
  );
}

export async function offsetDriftCheck(): Promise<CheckResult> {
  const { offset, cursor } = await offsetDriftWalks();
  const o = consistency(offset);
  const c = consistency(cursor);
  const offsetBroke = o.skipped.length + o.duplicated.length > 0;
  const cursorHeld = c.skipped.length + c.duplicated.length === 0;
  const detail =
    `REST GET /v1/users on the SQLite store (${DRIFT_USERS} users, ${DRIFT_PAGE} per page, ascending id: the only order ` +
    `the API offers), row ${DELETED_INDEX + 1} of page 1 deleted by a second database connection. ` +
    `${summary('By ?offset=', offset, o)}. ${summary('By ?after= cursor', cursor, c)}. ` +
    'Only the skip can show here: a new user takes the next id, so it comes after the rows already there and no ' +
    'insert falls ahead of an offset (a duplicate needs a newest-first order the API does not have)';
  return { offsetSkips: held(offsetBroke && cursorHeld, detail) };
}
