// Generator shards (issue 16, item 2): the checks and figures only shard results have, for
// merge.ts. Pure. A set of shard results is complete when each index 0..N-1 of one N is there
// exactly once; anything else cannot be merged exactly, so it is refused with the shard named.
import type { RunRecord } from './types.ts';
import { MergeError } from '../errors.ts';
import { MIN_WINDOW_OVERLAP } from '../run/shard.ts';

export interface ShardInput {
  name: string;
  result: { runs: readonly RunRecord[] };
}

/** Which shard wrote a result: the identity its runs carry (null: not a shard result). */
function identityOf(x: ShardInput): { index: number; count: number } | null {
  const ids = new Set(x.result.runs.filter((r) => r.shard).map((r) => `${r.shard!.index}/${r.shard!.count}`));
  if (ids.size > 1) throw new MergeError(`${x.name} holds rows of several shards (${[...ids].join(', ')}): one file per shard`);
  const [id] = ids;
  if (id === undefined) return null;
  const [index, count] = id.split('/').map(Number) as [number, number];
  return { index, count };
}

/**
 * The shard count of a set of shard results, after checking each index 0..N-1 is there exactly
 * once (a copied file shows as an index given twice); null when none is a shard result.
 */
export function checkShards(inputs: readonly ShardInput[]): number | null {
  const ids = inputs.map((x) => ({ name: x.name, id: identityOf(x) }));
  const sharded = ids.filter((x) => x.id !== null);
  if (sharded.length === 0) return null;
  const plain = ids.find((x) => x.id === null);
  if (plain)
    throw new MergeError(
      `${plain.name} is not a shard result (no row carries a shard): merge shard results only with each other`,
    );
  const count = sharded[0]!.id!.count;
  const other = sharded.find((x) => x.id!.count !== count);
  if (other)
    throw new MergeError(
      `${other.name} is shard ${other.id!.index} of ${other.id!.count} but ${sharded[0]!.name} is of ${count}: ` +
        'not one sharded run',
    );
  const byIndex = new Map<number, string>();
  for (const x of sharded) {
    const twin = byIndex.get(x.id!.index);
    if (twin !== undefined)
      throw new MergeError(
        `shard index ${x.id!.index} of ${count} appears twice: ${twin} and ${x.name} (a copied file?); ` +
          "give each shard's result once",
      );
    byIndex.set(x.id!.index, x.name);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length)
    throw new MergeError(
      `shard index ${missing.join(', ')} of ${count} ${missing.length > 1 ? 'are' : 'is'} missing (0-based; given: ${[
        ...byIndex.keys(),
      ]
        .sort((a, b) => a - b)
        .join(', ')}): every shard's result is needed for an exact merge`,
    );
  return count;
}

/** Pure: the share of the windows' span that all of them cover (intersection / union), 0..1. */
export function windowOverlap(windows: readonly { startMs: number; endMs: number }[]): number {
  if (windows.length < 2) return 1;
  const start = Math.max(...windows.map((w) => w.startMs));
  const end = Math.min(...windows.map((w) => w.endMs));
  const span = Math.max(...windows.map((w) => w.endMs)) - Math.min(...windows.map((w) => w.startMs));
  return span <= 0 ? 1 : Math.max(0, end - start) / span;
}

/**
 * A merged row of a sharded run: its shards' rows under `shards` (by index), their summed rates,
 * and the span of their windows; a warning when the windows overlap less than MIN_WINDOW_OVERLAP.
 */
export function withShardRows(merged: RunRecord, rows: readonly RunRecord[], what: string, warnings: string[]): RunRecord {
  const shards = [...rows].sort((a, b) => (a.shard?.index ?? 0) - (b.shard?.index ?? 0)).map((r) => structuredClone(r));
  const out: RunRecord = { ...merged, shards };
  delete out.shard;
  // Each shard's rate is over its own window; the windows coincide, so the server carried the sum.
  out.opsPerSec = Math.round(shards.reduce((s, r) => s + r.opsPerSec, 0) * 10) / 10;
  const windows = shards.filter((r) => r.window && r.state === 'ok').map((r) => ({ index: r.shard?.index, ...r.window! }));
  if (windows.length) {
    out.window = { startMs: Math.min(...windows.map((w) => w.startMs)), endMs: Math.max(...windows.map((w) => w.endMs)) };
    const overlap = windowOverlap(windows);
    if (overlap < MIN_WINDOW_OVERLAP) {
      const first = Math.min(...windows.map((w) => w.startMs));
      warnings.push(
        `${what}: the shards' measured windows overlap ${(overlap * 100).toFixed(1)}% of their span ` +
          `(under ${MIN_WINDOW_OVERLAP * 100}%): ` +
          windows.map((w) => `shard ${w.index} from +${w.startMs - first} ms for ${w.endMs - w.startMs} ms`).join(', ') +
          '; the server did not carry every shard at once for the whole window (a late shard or clock skew)',
      );
    }
  }
  return out;
}
