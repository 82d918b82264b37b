// Offset vs cursor pagination on the harness's SQLite store, timed at the database: the same
// 100 users fetched with LIMIT/OFFSET and with a keyset cursor (WHERE id > ?), at the start of
// the table and 9,000 rows deep. The statements are the store's own (servers/sqlite-store.ts),
// run on its file through a second connection, so JSON and HTTP costs do not blur the figure
// (in the listUsers bench they add to each page, and its spread hid the difference).
import Database from 'better-sqlite3';
import { createSqliteStore } from '../servers/sqlite-store.ts';
import { DEFAULT_DATASET } from '../servers/dataset.ts';
import { fmt } from './decide.ts';
import type { CheckResult } from './observe.ts';

export const PAGE = 100;
export const DEEP = 9_000;
const OFFSET_SQL = 'SELECT * FROM users ORDER BY id LIMIT ? OFFSET ?';
const CURSOR_SQL = 'SELECT * FROM users WHERE id > ? ORDER BY id LIMIT ?';

/** Microseconds per call of `f`: the median of `rounds` timings of `n` calls each. */
function usPerCall(f: () => unknown, n: number): number {
  for (let i = 0; i < 20; i++) f();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) f();
  return Number(process.hrtime.bigint() - t0) / n / 1000;
}

export function paginationCheck(rounds = 5, n = 300): CheckResult {
  const store = createSqliteStore(DEFAULT_DATASET, { comments: false });
  const db = new Database(store.file, { readonly: true });
  try {
    // raw(): rows as arrays, so less of the time is building JS objects and more is SQLite's.
    const offset = db.prepare(OFFSET_SQL).raw(true);
    const cursor = db.prepare(CURSOR_SQL).raw(true);
    // Same rows either way: ids DEEP+1 .. DEEP+PAGE.
    const a = offset.all(PAGE, DEEP) as unknown[][];
    const b = cursor.all(DEEP, PAGE) as unknown[][];
    if (a.length !== PAGE || a.map((r) => r[0]).join() !== b.map((r) => r[0]).join())
      throw new Error('offset and cursor pages differ');
    const t = { offset0: [] as number[], offsetDeep: [] as number[], cursor0: [] as number[], cursorDeep: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      t.offset0.push(usPerCall(() => offset.all(PAGE, 0), n));
      t.offsetDeep.push(usPerCall(() => offset.all(PAGE, DEEP), n));
      t.cursor0.push(usPerCall(() => cursor.all(0, PAGE), n));
      t.cursorDeep.push(usPerCall(() => cursor.all(DEEP, PAGE), n));
    }
    const m = (xs: number[]): string => fmt([...xs].sort((x, y) => x - y)[xs.length >> 1]!);
    const detail = `SQLite, ${DEFAULT_DATASET.users.toLocaleString('en-US')} users, ${PAGE} per page, us per query (median of ${rounds} rounds of ${n}): OFFSET 0 ${m(t.offset0)}, OFFSET ${DEEP} ${m(t.offsetDeep)}; cursor at id 0 ${m(t.cursor0)}, after id ${DEEP} ${m(t.cursorDeep)}`;
    return {
      // Round by round: the deep OFFSET page against the same page by cursor.
      offsetDeepVsCursor: { samples: t.offsetDeep.map((x, i) => x / t.cursorDeep[i]!), unit: 'x', detail },
    };
  } finally {
    db.close();
    store.close();
  }
}
