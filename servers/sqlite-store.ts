// The UserStore on SQLite (better-sqlite3): a file in a fresh temporary directory, created and
// seeded from the same data set as the memory store, deleted on close(). It puts a real query
// engine under the servers so pagination (OFFSET vs cursor), batched inserts and N+1 reads
// cost what they cost. Every statement run through it is counted (statementCount), by
// wrapping the prepared statements' run/get/all, and charged to the request that ran it
// (request-scope.ts), so a scenario can report statements per request as measured rather
// than as expected.
//
// better-sqlite3 is pinned to 12.x: 13 requires Node 22 and its native module crashes
// (segfault) when loaded on Node 20, which this harness runs on.
import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { UserJson } from '../proto/contract.ts';
import { generateComments, generatePosts, generateUser, POSTS_PER_USER } from './dataset.ts';
import type { Comment, DatasetOptions, Post } from './dataset.ts';
import type { NewUser, UserStore } from './store.ts';
import { chargeStatement } from './request-scope.ts';

interface UserRow {
  id: number;
  username: string;
  email: string;
  age: number;
  roles: string;
  street: string;
  city: string;
  country: string;
  postal_code: string;
  created_at: string;
}

const toUser = (r: UserRow): UserJson => ({
  id: r.id,
  username: r.username,
  email: r.email,
  age: r.age,
  roles: JSON.parse(r.roles) as string[],
  address: { street: r.street, city: r.city, country: r.country, postalCode: r.postal_code },
  createdAt: r.created_at,
});

interface PostRow {
  id: number;
  author_id: number;
  title: string;
  content: string;
  created_at: string;
}
const toPost = (r: PostRow): Post => ({
  id: r.id,
  authorId: r.author_id,
  title: r.title,
  content: r.content,
  createdAt: r.created_at,
});
interface CommentRow {
  id: number;
  post_id: number;
  author_id: number;
  text: string;
  created_at: string;
}
const toComment = (r: CommentRow): Comment => ({
  id: r.id,
  postId: r.post_id,
  authorId: r.author_id,
  text: r.text,
  createdAt: r.created_at,
});

export interface SqliteStore extends UserStore {
  createUsers(inputs: NewUser[]): UserJson[];
  statementCount(): number;
  /** The database file (inside its own temporary directory). */
  readonly file: string;
}

/**
 * options.comments: seed every post's comments up front (500k rows for 10k users, most of the
 * seeding time). Default: a post's comments are written on its first read, uncounted, so a
 * server is ready in seconds and answers commentsByPost with the same rows either way.
 */
export function createSqliteStore(ds: DatasetOptions, options: { comments?: boolean } = {}): SqliteStore {
  sweepOrphans();
  const dir = mkdtempSync(path.join(tmpdir(), `${DIR_PREFIX}${process.pid}-`));
  const file = path.join(dir, 'bench.sqlite');
  const db = new Database(file);
  // WAL + synchronous NORMAL: durable across a process crash, not an OS crash; the usual
  // server setting, and what keeps per-row inserts from costing an fsync each.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`
    CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT NOT NULL, email TEXT NOT NULL, age INTEGER NOT NULL,
      roles TEXT NOT NULL, street TEXT NOT NULL, city TEXT NOT NULL, country TEXT NOT NULL, postal_code TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL, title TEXT NOT NULL, content TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE TABLE comments (id INTEGER PRIMARY KEY, post_id INTEGER NOT NULL, author_id INTEGER NOT NULL, text TEXT NOT NULL, created_at TEXT NOT NULL);
  `);
  const insUser = db.prepare(
    'INSERT INTO users (id, username, email, age, roles, street, city, country, postal_code, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insPost = db.prepare('INSERT INTO posts VALUES (?, ?, ?, ?, ?)');
  const insComment = db.prepare('INSERT INTO comments VALUES (?, ?, ?, ?, ?)');
  const userValues = (u: UserJson | (NewUser & { id: number | null; createdAt: string })) =>
    [
      u.id,
      u.username,
      u.email,
      u.age,
      JSON.stringify(u.roles),
      u.address.street,
      u.address.city,
      u.address.country,
      u.address.postalCode,
      u.createdAt,
    ] as const;
  // Seeding is not counted: the counter below wraps only the statements requests run.
  db.transaction(() => {
    for (let id = 1; id <= ds.users; id++) {
      insUser.run(...userValues(generateUser(ds, id)));
      for (const p of generatePosts(ds, id)) {
        insPost.run(p.id, p.authorId, p.title, p.content, p.createdAt);
        if (options.comments === true)
          for (const c of generateComments(ds, p.id)) insComment.run(c.id, c.postId, c.authorId, c.text, c.createdAt);
      }
    }
  })();
  db.exec(
    'CREATE INDEX posts_author ON posts (author_id, id); CREATE INDEX comments_post ON comments (post_id, id); CREATE INDEX posts_created ON posts (created_at DESC, id DESC);',
  );

  const seededPosts = new Set<number>();
  let statements = 0;
  // Every execution counts twice: in the store's total, and for the request running it
  // (servers/request-scope.ts), which is what makes statements per request exact.
  const count = (): void => {
    statements++;
    chargeStatement();
  };
  /** A prepared statement whose every execution is counted. */
  const counted = <R>(sql: string) => {
    const st = db.prepare(sql);
    return {
      get: (...args: unknown[]): R | undefined => (count(), st.get(...args) as R | undefined),
      all: (...args: unknown[]): R[] => (count(), st.all(...args) as R[]),
      run: (...args: unknown[]) => (count(), st.run(...args)),
    };
  };
  const qUser = counted<UserRow>('SELECT * FROM users WHERE id = ?');
  const qAfter = counted<UserRow>('SELECT * FROM users WHERE id > ? ORDER BY id LIMIT ?');
  // OFFSET: SQLite steps over every skipped row; this is the statement the deep rows measure.
  const qOffset = counted<UserRow>('SELECT * FROM users ORDER BY id LIMIT ? OFFSET ?');
  const qCount = counted<{ n: number }>('SELECT count(*) AS n FROM users');
  const qInsert = counted<never>(
    'INSERT INTO users (id, username, email, age, roles, street, city, country, postal_code, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const qPosts = counted<PostRow>('SELECT * FROM posts WHERE author_id = ? ORDER BY id');
  const qComments = counted<CommentRow>('SELECT * FROM comments WHERE post_id = ? ORDER BY id');
  const qLatest = counted<PostRow>('SELECT * FROM posts ORDER BY created_at DESC, id DESC LIMIT ?');
  // One statement per batch size seen: `IN (?, ?, ...)` needs its arity at prepare time.
  const byIds = new Map<number, ReturnType<typeof counted<UserRow>>>();

  const now = (): string => new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const insertOne = (input: NewUser): UserJson => {
    const createdAt = now();
    const info = qInsert.run(...userValues({ ...input, id: null, createdAt }));
    return { id: Number(info.lastInsertRowid), ...input, createdAt };
  };
  const insertMany = db.transaction((inputs: NewUser[]) => inputs.map(insertOne));

  return {
    kind: 'sqlite',
    file,
    getUser: (id) => (Number.isInteger(id) && id >= 1 ? mapOpt(qUser.get(id)) : undefined),
    listUsers: (afterId, limit) => qAfter.all(Math.max(0, afterId), Math.max(0, limit)).map(toUser),
    listUsersByOffset: (offset, limit) => qOffset.all(Math.max(0, limit), Math.max(0, offset)).map(toUser),
    createUser: insertOne,
    createUsers: (inputs) => insertMany(inputs),
    countUsers: () => qCount.get()!.n,
    usersByIds(ids) {
      if (ids.length === 0) return [];
      let st = byIds.get(ids.length);
      if (!st)
        byIds.set(ids.length, (st = counted<UserRow>(`SELECT * FROM users WHERE id IN (${ids.map(() => '?').join(',')})`)));
      const found = new Map(st.all(...ids).map((r) => [r.id, toUser(r)]));
      return ids.map((id) => found.get(id));
    },
    postsByUser: (userId) => qPosts.all(userId).map(toPost),
    commentsByPost(postId) {
      if (
        options.comments !== true &&
        Number.isInteger(postId) &&
        postId >= 1 &&
        postId <= ds.users * POSTS_PER_USER &&
        !seededPosts.has(postId)
      ) {
        seededPosts.add(postId);
        // Not counted: materialising the seed is not a statement the request asked for.
        for (const c of generateComments(ds, postId)) insComment.run(c.id, c.postId, c.authorId, c.text, c.createdAt);
      }
      return qComments.all(postId).map(toComment);
    },
    latestPosts: (first) => qLatest.all(Math.max(0, first)).map(toPost),
    statementCount: () => statements,
    close() {
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const DIR_PREFIX = 'protocol-bench-sqlite-';

/**
 * A server killed while seeding (SIGKILL, or interrupted mid-transaction) never reaches
 * close(): remove the directories of such processes, named by pid, when they are gone.
 */
function sweepOrphans(): void {
  for (const name of readdirSync(tmpdir())) {
    const m = new RegExp(`^${DIR_PREFIX}(\\d+)-`).exec(name);
    if (!m) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') rmSync(path.join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

function mapOpt(r: UserRow | undefined): UserJson | undefined {
  return r ? toUser(r) : undefined;
}

export { POSTS_PER_USER };
