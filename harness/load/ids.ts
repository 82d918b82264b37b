import { mulberry32 } from '../../servers/dataset.ts';

/** Uniformly random user ids in 1..users from a seeded stream: every protocol gets the same sequence. */
export function idSequence(users: number, seed: number): () => number {
  const r = mulberry32(seed);
  return () => 1 + Math.floor(r() * users);
}
