// The one data set every protocol serves. Each record is a pure function of (seed, id), so
// any process (server, verifier, test) can rebuild the expected answer without sharing
// memory, and a run with the same seed serves byte-identical data.
import { formatTimestamp, type UserJson } from '../proto/contract.ts';

export interface DatasetOptions {
  /** Number of users; ids are 1..users. */
  users: number;
  /** PRNG seed; the same seed gives the same data set. */
  seed: number;
}

export const DEFAULT_DATASET: DatasetOptions = { users: 10_000, seed: 42 };
export const POSTS_PER_USER = 10;
export const COMMENTS_PER_POST = 5;

export interface Post {
  id: number;
  authorId: number;
  title: string;
  content: string;
  createdAt: string;
}

export interface Comment {
  id: number;
  postId: number;
  authorId: number;
  text: string;
  createdAt: string;
}

/** mulberry32: small, fast, good enough to make varied but reproducible records. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Independent stream per (seed, kind, id), so records do not depend on generation order. */
function rng(seed: number, kind: number, id: number): () => number {
  return mulberry32(Math.imul(seed ^ 0x9e3779b9, 2654435761) ^ Math.imul(kind + 1, 0x85ebca6b) ^ Math.imul(id, 0xc2b2ae35));
}

const FIRST = [
  'james',
  'mary',
  'robert',
  'patricia',
  'john',
  'jennifer',
  'michael',
  'linda',
  'david',
  'elizabeth',
  'william',
  'barbara',
  'richard',
  'susan',
  'joseph',
  'jessica',
  'thomas',
  'sarah',
  'amina',
  'wei',
  'sofia',
  'mateo',
  'yuki',
  'olga',
];
const LAST = [
  'smith',
  'johnson',
  'williams',
  'brown',
  'jones',
  'garcia',
  'miller',
  'davis',
  'rodriguez',
  'martinez',
  'hernandez',
  'lopez',
  'gonzalez',
  'wilson',
  'anderson',
  'thomas',
  'taylor',
  'moore',
  'jackson',
  'martin',
  'lee',
  'nguyen',
  'kowalski',
  'okafor',
];
const STREETS = [
  'Main Street',
  'Oak Avenue',
  'Maple Drive',
  'Cedar Lane',
  'Park Road',
  'Elm Street',
  'Lake View',
  'Hill Crescent',
  'River Walk',
  'Station Road',
];
const CITIES: ReadonlyArray<readonly [string, string]> = [
  ['San Francisco', 'US'],
  ['New York', 'US'],
  ['London', 'GB'],
  ['Berlin', 'DE'],
  ['Paris', 'FR'],
  ['Tokyo', 'JP'],
  ['Toronto', 'CA'],
  ['Sydney', 'AU'],
  ['Madrid', 'ES'],
  ['Warsaw', 'PL'],
];
const DOMAINS = ['example.com', 'mail.example.org', 'corp.example.net'];
const ROLES = ['user', 'admin', 'editor', 'viewer', 'billing'];
const WORDS = [
  'protocol',
  'latency',
  'stream',
  'schema',
  'cache',
  'query',
  'socket',
  'frame',
  'header',
  'payload',
  'event',
  'server',
  'client',
  'message',
  'buffer',
  'window',
];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

function sentence(r: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(pick(r, WORDS));
  const s = out.join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1) + '.';
}

// 2015-01-01T00:00:00Z .. +10 years, whole seconds (proto3 JSON prints them without a fraction).
const EPOCH_2015 = 1_420_070_400;
const TEN_YEARS = 315_360_000;

export function generateUser(ds: DatasetOptions, id: number): UserJson {
  const r = rng(ds.seed, 0, id);
  const first = pick(r, FIRST);
  const last = pick(r, LAST);
  const username = `${first}.${last}${id}`;
  const roles = ['user'];
  for (const role of ROLES.slice(1)) if (r() < 0.25) roles.push(role);
  const [city, country] = pick(r, CITIES);
  return {
    id,
    username,
    email: `${username}@${pick(r, DOMAINS)}`,
    age: 18 + Math.floor(r() * 62),
    roles,
    address: {
      street: `${1 + Math.floor(r() * 9999)} ${pick(r, STREETS)}`,
      city,
      country,
      postalCode: String(10000 + Math.floor(r() * 89999)),
    },
    createdAt: formatTimestamp(EPOCH_2015 + Math.floor(r() * TEN_YEARS)),
  };
}

export function generatePosts(ds: DatasetOptions, userId: number): Post[] {
  const posts: Post[] = [];
  for (let k = 0; k < POSTS_PER_USER; k++) {
    const id = (userId - 1) * POSTS_PER_USER + k + 1;
    const r = rng(ds.seed, 1, id);
    posts.push({
      id,
      authorId: userId,
      title: sentence(r, 4),
      content: sentence(r, 24),
      createdAt: formatTimestamp(EPOCH_2015 + Math.floor(r() * TEN_YEARS)),
    });
  }
  return posts;
}

export function generateComments(ds: DatasetOptions, postId: number): Comment[] {
  const comments: Comment[] = [];
  for (let j = 0; j < COMMENTS_PER_POST; j++) {
    const id = (postId - 1) * COMMENTS_PER_POST + j + 1;
    const r = rng(ds.seed, 2, id);
    comments.push({
      id,
      postId,
      authorId: 1 + Math.floor(r() * ds.users),
      text: sentence(r, 8),
      createdAt: formatTimestamp(EPOCH_2015 + Math.floor(r() * TEN_YEARS)),
    });
  }
  return comments;
}
