// The N+1 problem as the guide tells it (L2482-2525), done: the guide's own typeDefs (L2343-2373)
// and its query (L2485-2492) executed by graphql-js over a fake database that counts queries
// and takes 10 ms for each, with naive resolvers and with a per-request batching loader.
import { buildSchema, graphql } from 'graphql';
import { guideText } from './guide.ts';
import { exact, held, type CheckResult } from './observe.ts';
import { fmt } from './decide.ts';

interface Row {
  id: number;
  title: string;
  authorId: number;
  username?: string;
}

/** A database of `posts` posts by distinct authors: every call is one query, `latencyMs` long, at most `pool` at once. */
class FakeDb {
  queries = 0;
  private busy = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(
    private readonly posts: number,
    private readonly latencyMs: number,
    private readonly pool: number,
  ) {}
  private async query<T>(f: () => T): Promise<T> {
    this.queries++;
    if (this.busy >= this.pool) await new Promise<void>((r) => this.waiting.push(r));
    this.busy++;
    try {
      if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
      return f();
    } finally {
      this.busy--;
      this.waiting.shift()?.();
    }
  }
  allPosts(): Promise<Row[]> {
    return this.query(() =>
      Array.from({ length: this.posts }, (_, i) => ({ id: i + 1, title: `Post ${i + 1}`, authorId: i + 1 })),
    );
  }
  userById(id: number): Promise<Row> {
    return this.query(() => ({ id, title: '', authorId: id, username: `user${id}` }));
  }
  usersByIds(ids: readonly number[]): Promise<Row[]> {
    return this.query(() => ids.map((id) => ({ id, title: '', authorId: id, username: `user${id}` })));
  }
}

/**
 * DataLoader's scheduling without the dependency: loads made in the same tick are collected
 * and dispatched as one batch after the current promise jobs (DataLoader's
 * enqueuePostPromiseJob), with a per-request cache. graphql-js calls Post.author for every
 * item of a list before yielding, so they all land in one batch.
 */
class BatchLoader {
  private queue: { id: number; resolve: (r: Row) => void; reject: (e: unknown) => void }[] = [];
  private readonly cache = new Map<number, Promise<Row>>();
  constructor(private readonly batch: (ids: readonly number[]) => Promise<Row[]>) {}
  load(id: number): Promise<Row> {
    const hit = this.cache.get(id);
    if (hit) return hit;
    const p = new Promise<Row>((resolve, reject) => {
      this.queue.push({ id, resolve, reject });
      if (this.queue.length === 1) void Promise.resolve().then(() => process.nextTick(() => this.dispatch()));
    });
    this.cache.set(id, p);
    return p;
  }
  private dispatch(): void {
    const q = this.queue;
    this.queue = [];
    this.batch(q.map((x) => x.id)).then(
      (rows) => q.forEach((x, i) => x.resolve(rows[i]!)),
      (e) => q.forEach((x) => x.reject(e)),
    );
  }
}

export const POSTS = 100;

async function run(
  db: FakeDb,
  batched: boolean,
  source: string,
): Promise<{ ms: number; postsResolverCalls: number; errors: number }> {
  const schema = buildSchema(guideText(2343, 2373, 'type User {'));
  let postsResolverCalls = 0;
  const loader = new BatchLoader((ids) => db.usersByIds(ids));
  // Resolvers as the guide writes them (L2377-2457), on the fake database.
  const rootValue = {
    posts: () => db.allPosts(),
    user: ({ id }: { id: string }) =>
      db.userById(Number(id)).then((u) => ({
        ...u,
        posts: () => {
          postsResolverCalls++;
          return db.allPosts();
        },
      })),
  };
  const fieldResolver = (
    src: Record<string, unknown>,
    args: unknown,
    ctx: unknown,
    info: { fieldName: string; parentType: { name: string } },
  ): unknown => {
    if (info.parentType.name === 'Post' && info.fieldName === 'author') {
      const authorId = src.authorId as number;
      return batched ? loader.load(authorId) : db.userById(authorId);
    }
    const v = src[info.fieldName];
    return typeof v === 'function' ? (v as (a: unknown) => unknown)(args) : v;
  };
  const t0 = performance.now();
  const r = await graphql({ schema, source, rootValue, fieldResolver: fieldResolver as never });
  return { ms: performance.now() - t0, postsResolverCalls, errors: r.errors?.length ?? 0 };
}

export async function nPlusOneCheck(): Promise<CheckResult> {
  const query = guideText(2485, 2492, 'query {');
  const naiveDb = new FakeDb(POSTS, 0, Infinity);
  const naive = await run(naiveDb, false, query);
  const batchDb = new FakeDb(POSTS, 0, Infinity);
  const batched = await run(batchDb, true, query);

  // Lazy field resolvers: User.posts runs only when selected.
  const lazyDb = new FakeDb(POSTS, 0, Infinity);
  const without = await run(lazyDb, false, '{ user(id: "1") { id username } }');
  const withPosts = await run(lazyDb, false, '{ user(id: "1") { id posts { id } } }');

  // Time with a 10 ms database: the gain depends on how many queries it runs at once.
  const timed = async (pool: number, b: boolean): Promise<number> => (await run(new FakeDb(POSTS, 10, pool), b, query)).ms;
  const speedups: number[] = [];
  for (let i = 0; i < 3; i++) speedups.push((await timed(10, false)) / (await timed(10, true)));
  const serial = (await timed(1, false)) / (await timed(1, true));
  const unbounded = (await timed(Infinity, false)) / (await timed(Infinity, true));
  return {
    naiveQueries: exact(
      naiveDb.queries,
      'queries',
      `the guide's query over ${POSTS} posts${naive.errors ? `, ${naive.errors} GraphQL errors` : ''}`,
    ),
    batchedQueries: exact(
      batchDb.queries,
      'queries',
      `with a per-request batching loader on Post.author${batched.errors ? `, ${batched.errors} GraphQL errors` : ''}`,
    ),
    lazy: held(
      without.postsResolverCalls === 0 && withPosts.postsResolverCalls === 1,
      `User.posts ran ${without.postsResolverCalls} times without posts selected, ${withPosts.postsResolverCalls} with`,
    ),
    speedup: {
      samples: speedups,
      unit: 'x',
      detail: `without / with batching at 10 ms per query: pool of 10 ${speedups.map(fmt).join(', ')}x; one connection (queries in series) ${fmt(serial)}x; unlimited concurrency ${fmt(unbounded)}x. The 50x assumes the 100 author queries run one after another; graphql-js issues them concurrently`,
    },
  };
}
