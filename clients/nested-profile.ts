// nestedProfile: one user with its posts and each post's comments, fetched the way each
// protocol's client naturally would:
//   REST     a waterfall: GET /v1/users/:id, then GET /v1/users/:id/posts, then
//            GET /v1/posts/:id/comments per post, up to REST_PARALLEL at once on separate
//            HTTP/1.1 connections (browsers open 6 per host and do not pipeline)
//   GraphQL  one POST /graphql selecting user { posts { comments } }
//   gRPC     GetUser and GetUserPosts (independent, sent together), then GetPostComments
//            per post, all multiplexed on the channel's one HTTP/2 connection
// Every answer is assembled into the same NestedProfile so the verify step can compare them.
import type * as grpc from '@grpc/grpc-js';
import { canonicalUser, formatTimestamp, userFromProto, type UserJson } from '../proto/contract.ts';
import {
  COMMENTS_PER_POST,
  POSTS_PER_USER,
  generateComments,
  generatePosts,
  generateUser,
  type Comment,
  type DatasetOptions,
  type Post,
} from '../servers/dataset.ts';
import type { UserServiceClient } from '../generated/proto/bench/v1/UserService.ts';
import type { User__Output } from '../generated/proto/bench/v1/User.ts';
import type { PostList__Output } from '../generated/proto/bench/v1/PostList.ts';
import type { CommentList__Output } from '../generated/proto/bench/v1/CommentList.ts';
import { Http1Connection, buildRequest, classifyNetError, httpFailure, type Http1Response } from './wire/http1.ts';
import { classifyGrpcStatus } from './grpc.ts';
import type { ByteCount, CallOutcome } from './types.ts';

export interface ProfileComment {
  id: number;
  text: string;
  createdAt: string;
}
export interface ProfilePost {
  id: number;
  title: string;
  content: string;
  createdAt: string;
  comments: ProfileComment[];
}
export interface NestedProfile {
  user: UserJson;
  posts: ProfilePost[];
}

/** HTTP/1.1 connections a REST client uses at once for the comments fan-out (a browser's per-host limit). */
export const REST_PARALLEL = 6;

/** Requests one nestedProfile takes, by shape: REST 1 + 1 + posts, GraphQL 1, gRPC 2 + posts. */
export const REQUESTS_PER_PROFILE = { rest: 2 + POSTS_PER_USER, graphql: 1, grpc: 2 + POSTS_PER_USER } as const;

/**
 * Sequential round trips one nestedProfile needs with no other load: REST user, posts, then
 * ceil(posts / REST_PARALLEL) waves of comments; gRPC sends GetUser and GetUserPosts together
 * (the post list needs only the id) and all comment calls at once over one connection.
 */
export const ROUND_TRIPS_PER_PROFILE = {
  rest: 2 + Math.ceil(POSTS_PER_USER / REST_PARALLEL),
  graphql: 1,
  grpc: 2,
} as const;

const post = (p: Pick<Post, 'id' | 'title' | 'content' | 'createdAt'>, comments: ProfileComment[]): ProfilePost => ({
  id: Number(p.id),
  title: p.title,
  content: p.content,
  createdAt: p.createdAt,
  comments,
});
const comment = (c: Pick<Comment, 'id' | 'text' | 'createdAt'>): ProfileComment => ({
  id: Number(c.id),
  text: c.text,
  createdAt: c.createdAt,
});

/** The answer the store gives, rebuilt from the data set alone. */
export function expectedProfile(ds: DatasetOptions, id: number): NestedProfile {
  return {
    user: canonicalUser(generateUser(ds, id)),
    posts: generatePosts(ds, id).map((p) => post(p, generateComments(ds, p.id).map(comment))),
  };
}

// ---- GraphQL ----

export const NESTED_PROFILE_QUERY =
  `query NestedProfile($id: ID!) { user(id: $id) { id username email age roles address { street city country postalCode } createdAt ` +
  `posts(first: ${POSTS_PER_USER}) { id title content createdAt comments(first: ${COMMENTS_PER_POST}) { id text createdAt } } } }`;

export function nestedProfileBody(id: number): string {
  return JSON.stringify({ query: NESTED_PROFILE_QUERY, variables: { id: String(id) } });
}

type GqlUser = Omit<UserJson, 'id'> & {
  id: string;
  posts: Array<
    Omit<ProfilePost, 'id' | 'comments'> & { id: string; comments: Array<Omit<ProfileComment, 'id'> & { id: string }> }
  >;
};

/** The profile from a GraphQL data.user (ids are strings there). */
export function profileFromGraphql(u: GqlUser): NestedProfile {
  return {
    user: canonicalUser({ ...u, id: Number(u.id) }),
    posts: u.posts.map((p) =>
      post(
        { ...p, id: Number(p.id) },
        p.comments.map((c) => comment({ ...c, id: Number(c.id) })),
      ),
    ),
  };
}

// ---- REST ----

/** The REST client's connection pool for the waterfall; the first connection is the row's own. */
export class RestProfileClient {
  private readonly pool: Http1Connection[];
  private opening: Promise<void> | undefined;
  private readonly authority: string;

  constructor(
    private readonly host: string,
    private readonly port: number,
    first: Http1Connection,
  ) {
    this.pool = [first];
    this.authority = `${host}:${port}`;
  }

  bytes(): ByteCount {
    let out = 0;
    let inn = 0;
    for (const c of this.pool) {
      const b = c.bytes();
      out += b.out;
      inn += b.in;
    }
    return { out, in: inn };
  }

  async close(): Promise<void> {
    await Promise.all(this.pool.slice(1).map((c) => c.close()));
  }

  private get(conn: Http1Connection, path: string): Promise<Http1Response> {
    return conn.request(buildRequest('GET', path, this.authority, { Accept: 'application/json' }));
  }

  async fetch(id: number, decode: boolean): Promise<CallOutcome> {
    let response = 0;
    let requests = 0;
    const first = this.pool[0]!;
    try {
      const u = await this.get(first, `/v1/users/${id}`);
      requests++;
      if (u.status !== 200) return httpFailure(u.status, u.body);
      response += u.body.length;
      const p = await this.get(first, `/v1/users/${id}/posts`);
      requests++;
      if (p.status !== 200) return httpFailure(p.status, p.body);
      response += p.body.length;
      // A real client must read the post ids before it can ask for comments, so this parse
      // is part of the protocol's cost, lean mode or not.
      const posts = JSON.parse(p.body.toString('utf8')) as Post[];
      // The extra connections open on the first profile (warm-up), like a browser's.
      this.opening ??= this.openPool();
      await this.opening;
      const bodies = new Array<Buffer>(posts.length);
      let next = 0;
      let failed: Http1Response | undefined;
      // One worker per connection, each taking the next post when its previous answer is in:
      // at most REST_PARALLEL requests in flight, never two pipelined on one connection.
      await Promise.all(
        this.pool.map(async (conn) => {
          while (next < posts.length && !failed) {
            const i = next++;
            const c = await this.get(conn, `/v1/posts/${posts[i]!.id}/comments`);
            requests++;
            if (c.status !== 200) failed ??= c;
            bodies[i] = c.body;
            response += c.body.length;
          }
        }),
      );
      if (failed) return httpFailure(failed.status, failed.body);
      const payload = { request: 0, response };
      if (!decode) return { ok: true, payload, requests };
      const user = canonicalUser(JSON.parse(u.body.toString('utf8')) as UserJson);
      const profile = {
        user,
        posts: posts.map((ps, i) => post(ps, (JSON.parse(bodies[i]!.toString('utf8')) as Comment[]).map(comment))),
      };
      return { ok: true, payload, requests, profile };
    } catch (err) {
      return { ok: false, kind: classifyNetError(err), detail: (err as Error).message };
    }
  }

  private async openPool(): Promise<void> {
    const more = await Promise.all(
      Array.from({ length: REST_PARALLEL - 1 }, () => Http1Connection.connect(this.host, this.port)),
    );
    this.pool.push(...more);
  }
}

// ---- gRPC (stock grpc-js client) ----

/** Encoded message size, noted on a message object by grpc-js.ts's wrapped deserialisers. */
export type SizeOf = (msg: object) => number;

function unary<Res>(fn: (cb: (err: grpc.ServiceError | null, res?: Res) => void) => void): Promise<Res> {
  return new Promise((resolve, reject) =>
    fn((err, res) => (err ? reject(err) : res ? resolve(res) : reject(new Error('no response message')))),
  );
}

const ts = (t: { seconds?: number | string | null; nanos?: number | null } | null | undefined): string =>
  formatTimestamp(Number(t?.seconds ?? 0), t?.nanos ?? 0);

export async function grpcProfile(client: UserServiceClient, id: number, decode: boolean, sizeOf: SizeOf): Promise<CallOutcome> {
  let requests = 0;
  try {
    // GetUserPosts needs only the id, so it goes out with GetUser: one round trip for both.
    const [user, postList] = await Promise.all([
      unary<User__Output>((cb) => client.GetUser({ id }, cb)).finally(() => requests++),
      unary<PostList__Output>((cb) => client.GetUserPosts({ userId: id }, cb)).finally(() => requests++),
    ]);
    // Every comment call at once: HTTP/2 multiplexes them on the one connection.
    const lists = await Promise.all(
      postList.posts.map((p) =>
        unary<CommentList__Output>((cb) => client.GetPostComments({ postId: p.id }, cb)).finally(() => requests++),
      ),
    );
    const response = sizeOf(user) + sizeOf(postList) + lists.reduce((s, l) => s + sizeOf(l), 0);
    const payload = { request: 0, response };
    if (!decode) return { ok: true, payload, requests };
    const profile: NestedProfile = {
      user: canonicalUser(userFromProto(user)),
      posts: postList.posts.map((p, i) =>
        post(
          { id: p.id, title: p.title, content: p.content, createdAt: ts(p.createdAt) },
          lists[i]!.comments.map((c) => comment({ id: c.id, text: c.text, createdAt: ts(c.createdAt) })),
        ),
      ),
    };
    return { ok: true, payload, requests, profile };
  } catch (err) {
    const code = (err as grpc.ServiceError).code;
    return typeof code === 'number'
      ? classifyGrpcStatus(code, (err as grpc.ServiceError).details)
      : { ok: false, kind: 'protocol_error', detail: (err as Error).message };
  }
}
