// CPU pressure stall information (/proc/pressure/cpu, Linux 4.20+ with PSI on): the share of
// time some runnable task waited for a CPU. It sees a CPU hog inside the same VM, which steal
// (the host's doing) does not. The kernel's avg10 is no use between runs: its 10 s still hold
// the previous run's own load (measured here: 88-95% right after a run). So the watch reads the
// cumulative `total` (microseconds stalled) over a short quiet wait before each run instead.
import { readFileSync } from 'node:fs';

/** Pure: "some avg10=5.05 avg60=... total=1279505570" -> 1279505570 (us); null if absent. */
export function parsePsiSomeTotalUs(text: string): number | null {
  const m = /^some\s.*\btotal=(\d+)/m.exec(text);
  return m ? Number(m[1]) : null;
}

/** Pure: percent of the wall time between two readings in which some task waited for a CPU. */
export function pressurePct(totalUs0: number | null, totalUs1: number | null, wallUs: number): number | null {
  if (totalUs0 === null || totalUs1 === null || wallUs <= 0) return null;
  return Math.round(Math.min(100, ((totalUs1 - totalUs0) / wallUs) * 100) * 10) / 10;
}

/** The cumulative stall time now, or null where the kernel does not offer PSI. */
export function readPsiSomeTotalUs(path = '/proc/pressure/cpu'): number | null {
  try {
    return parsePsiSomeTotalUs(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/** CPU pressure over the next `ms` milliseconds (this process idle meanwhile); null without PSI. */
export async function measurePressure(ms: number): Promise<number | null> {
  const a = readPsiSomeTotalUs();
  if (a === null) return null;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  return pressurePct(a, readPsiSomeTotalUs(), (performance.now() - t0) * 1000);
}
