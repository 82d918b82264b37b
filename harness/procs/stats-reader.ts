// Reads a server's own counters from its stats endpoint (procs/stats-endpoint.ts, `npm run serve --
// --admin-port`): how `npm run bench -- --target P=URL --server-stats URL` gets server CPU per call
// for a server that runs elsewhere, where /proc cannot see it.
import type { CpuSample } from './ipc.ts';

/** Pure: a parsed /stats body as a CpuSample, or the reason it is not one. */
export function parseCpuSample(body: unknown): CpuSample | string {
  if (typeof body !== 'object' || body === null) return 'the answer is not a JSON object';
  const b = body as Record<string, unknown>;
  const numeric = ['userUs', 'systemUs', 'rssBytes', 'heapUsedBytes', 'atMs'] as const;
  const bad = numeric.filter((k) => typeof b[k] !== 'number' || !Number.isFinite(b[k]) || (b[k] as number) < 0);
  if (bad.length) return `the answer lacks ${bad.join(', ')} (is this a protocol-bench --admin-port /stats URL?)`;
  return body as CpuSample;
}

/** GET the stats URL; throws with the URL named when it cannot be read within timeoutMs. */
export async function readServerStats(url: string, timeoutMs = 5_000): Promise<CpuSample> {
  let body: unknown;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = await res.json();
  } catch (err) {
    throw new Error(`server stats ${url}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const sample = parseCpuSample(body);
  if (typeof sample === 'string') throw new Error(`server stats ${url}: ${sample}`);
  return sample;
}

/**
 * A --target row's server sampler for the window's edges: the stats URL read once per edge, or
 * null when unreadable (the row's server CPU is then unknown, never zero) after saying why.
 */
export function statsUrlSampler(url: string, note: (message: string) => void): () => Promise<CpuSample | null> {
  return () =>
    readServerStats(url).catch((err: unknown) => {
      note(`${err instanceof Error ? err.message : String(err)}: server CPU unknown for this row`);
      return null;
    });
}
