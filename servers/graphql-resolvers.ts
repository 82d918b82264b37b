// The resolvers of the GraphQL contract (servers/graphql-schema.ts), shared by every GraphQL
// server here (graphql-yoga in servers/graphql.ts, mercurius in servers/graphql-mercurius.ts), so
// the libraries differ in transport, parsing, validation and execution only. Unknown users
// resolve to null with a GraphQL error whose extensions.code is NOT_FOUND, so clients can tell
// "no such user" from other failures (GraphQL answers HTTP 200 either way).
import { GraphQLError } from 'graphql';
import DataLoader from 'dataloader';
import type { NewUser, UserStore } from './store.ts';
import type { Post } from './dataset.ts';
import type { UserJson } from '../proto/contract.ts';

/** users(limit) answers at most this many users. */
export const MAX_LIST_LIMIT = 1000;

/** Users by id in one store call (one SQL statement on SQLite), in the order asked, undefined for a miss. */
export function usersByIds(store: UserStore, ids: readonly number[]): (UserJson | undefined)[] {
  return store.usersByIds?.(ids) ?? ids.map((id) => store.getUser(id));
}

/**
 * A DataLoader for one request: it batches the authors one execution asks for into one store
 * call and caches them for that request only.
 */
export function authorsLoader(store: UserStore): DataLoader<number, UserJson | undefined> {
  return new DataLoader<number, UserJson | undefined>(async (ids) => usersByIds(store, ids));
}

async function loadAuthor(loader: DataLoader<number, UserJson | undefined>, id: number): Promise<UserJson> {
  const u = await loader.load(id);
  if (!u) throw new Error(`data set has no user ${id}`);
  return u;
}

/** Opaque Relay cursor of a user: base64 of "user:<id>"; clients must not build them. */
export function userCursor(id: number): string {
  return Buffer.from(`user:${id}`).toString('base64');
}

export function cursorId(cursor: string): number | undefined {
  const m = /^user:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('latin1'));
  return m ? Number(m[1]) : undefined;
}

export interface AuthorContext {
  authors?: DataLoader<number, UserJson | undefined>;
}

export function resolvers(store: UserStore, dataloader = false, maxPageUsers = MAX_LIST_LIMIT) {
  const count = (first: number | null | undefined, fallback: number) => Math.max(0, first ?? fallback);
  const author = (authorId: number): UserJson => {
    const u = store.getUser(authorId);
    // Every author id in the data set is a user of it; a miss is a bug, not a client error.
    if (!u) throw new Error(`data set has no user ${authorId}`);
    return u;
  };
  return {
    Query: {
      user: (_: unknown, args: { id: string }) => {
        // ID arrives as a string whatever the client sent; "12abc" must not become 12.
        const id = Number(args.id);
        const user = Number.isInteger(id) ? store.getUser(id) : undefined;
        // Throwing a GraphQLError from a nullable field gives data.user = null plus the
        // error; yoga does not mask GraphQLErrors, so the code reaches the client.
        if (!user) throw new GraphQLError(`no user with id ${args.id}`, { extensions: { code: 'NOT_FOUND' } });
        return user;
      },
      users: (_: unknown, args: { afterId?: number | null; limit?: number | null }) => {
        const afterId = Math.max(0, args.afterId ?? 0);
        const limit = Math.min(count(args.limit, 100), maxPageUsers);
        return store.listUsers(afterId, limit);
      },
      // nPlusOne's feed: the most recent posts (SQLite store; the memory store has no such index).
      posts: (_: unknown, args: { first?: number | null }) => {
        if (!store.latestPosts)
          throw new GraphQLError('posts needs the SQLite store (--store sqlite)', { extensions: { code: 'NOT_IMPLEMENTED' } });
        return store.latestPosts(Math.min(count(args.first, 10), MAX_LIST_LIMIT));
      },
      userConnection: (_: unknown, args: { first?: number | null; after?: string | null }) => {
        const afterId = args.after ? cursorId(args.after) : 0;
        if (afterId === undefined)
          throw new GraphQLError('after is not a cursor this server gave', { extensions: { code: 'BAD_USER_INPUT' } });
        const first = Math.min(count(args.first, 100), MAX_LIST_LIMIT);
        // One extra row says whether there is a next page without a count query.
        const rows = store.listUsers(afterId, first + 1);
        const page = rows.slice(0, first);
        const edges = page.map((node) => ({ cursor: userCursor(node.id), node }));
        return {
          edges,
          pageInfo: { hasNextPage: rows.length > first, endCursor: edges.length ? edges[edges.length - 1]!.cursor : null },
        };
      },
    },
    Mutation: {
      createUsers: (_: unknown, args: { input: NewUser[] }) => {
        // graphql-js builds input objects with a null prototype; plain copies go to the store.
        const input = args.input.map((u) => ({ ...u, roles: [...u.roles], address: { ...u.address } }));
        const users = store.createUsers?.(input) ?? input.map((u) => store.createUser(u));
        return { created: users.length, ids: users.map((u) => u.id) };
      },
    },
    User: {
      posts: (u: UserJson, args: { first?: number | null }) => store.postsByUser(u.id).slice(0, count(args.first, 10)),
      followers: (u: UserJson, args: { first?: number | null }) => {
        const n = count(args.first, 10);
        const ids = new Set<number>();
        for (const p of store.postsByUser(u.id)) {
          for (const c of store.commentsByPost(p.id)) {
            if (ids.size >= n) return [...ids].map(author);
            if (c.authorId !== u.id) ids.add(c.authorId);
          }
        }
        return [...ids].map(author);
      },
    },
    Post: {
      author: (p: Post, _: unknown, ctx: AuthorContext) =>
        dataloader && ctx.authors ? loadAuthor(ctx.authors, p.authorId) : author(p.authorId),
      comments: (p: Post, args: { first?: number | null }) => store.commentsByPost(p.id).slice(0, count(args.first, 5)),
    },
    Comment: {
      author: (c: { authorId: number }, _: unknown, ctx: AuthorContext) =>
        dataloader && ctx.authors ? loadAuthor(ctx.authors, c.authorId) : author(c.authorId),
    },
  };
}
