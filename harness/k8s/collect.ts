// Gathering a cluster run's results (issue 16, item 4): each generator pod printed its result JSON
// between the markers (result-markers.ts) on stdout; `npm run k8s -- collect` reads every pod's log
// with kubectl and writes one file per shard, which `npm run merge` then merges exactly. The log
// parsing and the choice of files are pure, here; kubectl and the files are at the edge (cli/k8s.ts).
import { BEGIN_RE, END_RE } from './result-markers.ts';

export interface ShardLog {
  index: number;
  count: number;
  /** The bench's exit status in the pod (1: a threshold failed or a row failed; the result may still be whole). */
  exitCode: number;
  /** The result file's text, as the bench wrote it. */
  json: string;
}

/**
 * Pure: the result in one pod's log, or why there is none. The last complete block wins (a log
 * holds one; a container restarted in place would print a second). Lines may end in CRLF.
 */
export function parseShardLog(log: string): ShardLog | { problem: string } {
  const lines = log.split(/\r?\n/);
  let found: ShardLog | { problem: string } = {
    problem: 'no result in the log: the bench did not get to print one (see the log for why)',
  };
  for (let i = 0; i < lines.length; i++) {
    const begin = BEGIN_RE.exec(lines[i]!);
    if (!begin) continue;
    const [index, count, exitCode] = [Number(begin[1]), Number(begin[2]), Number(begin[3])];
    const endAt = lines.findIndex((l, j) => j > i && END_RE.test(l));
    if (endAt < 0) {
      found = { problem: `shard ${index}/${count}: the result has no end marker (the log was cut short?)` };
      break;
    }
    const end = END_RE.exec(lines[endAt]!)!;
    const json = lines
      .slice(i + 1, endAt)
      .join('\n')
      .trim();
    if (Number(end[1]) !== index || Number(end[2]) !== count)
      found = { problem: `shard ${index}/${count}: its end marker says ${end[1]}/${end[2]}` };
    else if (json === '') found = { problem: `shard ${index}/${count}: the bench exited ${exitCode} without writing a result` };
    else found = checkJson(json, index, count, exitCode);
    i = endAt;
  }
  return found;
}

/** The text between the markers must be a result of this shard (the runs it carries say which). */
function checkJson(json: string, index: number, count: number, exitCode: number): ShardLog | { problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    return { problem: `shard ${index}/${count}: the result is not JSON (${(err as Error).message})` };
  }
  const runs = (parsed as { runs?: unknown } | null)?.runs;
  if (!Array.isArray(runs)) return { problem: `shard ${index}/${count}: the JSON is not a bench result (no runs)` };
  const other = runs
    .map((r) => (r as { shard?: { index?: unknown; count?: unknown } }).shard)
    .find((s) => s !== undefined && (s.index !== index || s.count !== count));
  if (other) return { problem: `shard ${index}/${count}: its rows say shard ${String(other.index)}/${String(other.count)}` };
  return { index, count, exitCode, json };
}

export interface PodLog {
  pod: string;
  log: string;
}

export interface CollectPlan {
  /** File name (shard-I.json) to the result text, one per shard found. */
  files: { name: string; index: number; pod: string; json: string; exitCode: number }[];
  /** Shard indexes 0..N-1 with no result; the merge refuses an incomplete set. */
  missing: number[];
  /** What went wrong, pod by pod, and shards found twice. */
  problems: string[];
  count: number | null;
}

/** Pure: which file each pod's result goes to, and what is missing, from every pod's log. */
export function planCollect(logs: readonly PodLog[]): CollectPlan {
  const problems: string[] = [];
  const byIndex = new Map<number, CollectPlan['files'][number]>();
  const counts = new Set<number>();
  for (const { pod, log } of logs) {
    const r = parseShardLog(log);
    if ('problem' in r) {
      problems.push(`${pod}: ${r.problem}`);
      continue;
    }
    counts.add(r.count);
    const twin = byIndex.get(r.index);
    if (twin) {
      problems.push(`${pod}: shard ${r.index} again (already from ${twin.pod}); kept the first`);
      continue;
    }
    byIndex.set(r.index, { name: `shard-${r.index}.json`, index: r.index, pod, json: r.json, exitCode: r.exitCode });
  }
  if (counts.size > 1) problems.push(`the pods disagree on the shard count (${[...counts].join(', ')}): not one run`);
  const count = counts.size === 1 ? [...counts][0]! : null;
  const missing = count === null ? [] : Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  const files = [...byIndex.values()].sort((a, b) => a.index - b.index);
  return { files, missing, problems, count };
}
