// The store every server reads from. Servers hold transport code only: they translate a
// request into one of these calls and the answer into their wire format.
import type { UserJson } from '../proto/contract.ts';
import {
  generateComments,
  generatePosts,
  generateUser,
  POSTS_PER_USER,
  type Comment,
  type DatasetOptions,
  type Post,
} from './dataset.ts';

export interface NewUser {
  username: string;
  email: string;
  age: number;
  roles: string[];
  address: UserJson['address'];
}

export interface UserStore {
  readonly kind: string;
  getUser(id: number): UserJson | undefined;
  /** Users with id > afterId in id order, at most `limit`. */
  listUsers(afterId: number, limit: number): UserJson[];
  /**
   * The `limit` users after skipping `offset` in id order (OFFSET pagination). Optional: a
   * store without it is paged by listUsers(offset), the same rows while ids are dense.
   */
  listUsersByOffset?(offset: number, limit: number): UserJson[];
  createUser(input: NewUser): UserJson;
  /** Store a batch at once (SQLite: one transaction); absent: createUser for each. */
  createUsers?(inputs: NewUser[]): UserJson[];
  countUsers(): number;
  /** Users by id in the order asked, undefined where none (one query: DataLoader's batch). */
  usersByIds?(ids: readonly number[]): (UserJson | undefined)[];
  /** The `first` most recent posts (nPlusOne's feed); SQLite store only. */
  latestPosts?(first: number): Post[];
  /** SQL statements executed so far (SQLite store only): scenarios report them per request. */
  statementCount?(): number;
  postsByUser(userId: number): Post[];
  commentsByPost(postId: number): Comment[];
  close(): void;
}

/** The seeded data set held in memory: isolates protocol cost from storage cost. */
export function createMemoryStore(ds: DatasetOptions): UserStore {
  const users: UserJson[] = [];
  for (let id = 1; id <= ds.users; id++) users.push(generateUser(ds, id));
  const posts = new Map<number, Post[]>();
  const comments = new Map<number, Comment[]>();
  return {
    kind: 'memory',
    getUser: (id) => (Number.isInteger(id) && id >= 1 ? users[id - 1] : undefined),
    listUsers(afterId, limit) {
      const start = Math.max(0, afterId);
      return users.slice(start, start + Math.max(0, limit));
    },
    createUser(input) {
      const user: UserJson = {
        id: users.length + 1,
        ...input,
        createdAt: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
      };
      users.push(user);
      return user;
    },
    countUsers: () => users.length,
    postsByUser(userId) {
      if (userId < 1 || userId > ds.users) return [];
      let p = posts.get(userId);
      if (!p) posts.set(userId, (p = generatePosts(ds, userId)));
      return p;
    },
    commentsByPost(postId) {
      if (postId < 1 || postId > ds.users * POSTS_PER_USER) return [];
      let c = comments.get(postId);
      if (!c) comments.set(postId, (c = generateComments(ds, postId)));
      return c;
    },
    close() {},
  };
}
