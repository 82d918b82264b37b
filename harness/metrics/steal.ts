// CPU steal per CPU from /proc/stat: the share of time the hypervisor ran someone else while a
// vCPU wanted to run. On the shared VMs this project runs on, steal bursts (35-44% for tens of
// seconds) are what slow loopback benchmarks by up to 10x; a compute probe does not see them.
import { readFileSync } from 'node:fs';

/** One CPU's cumulative jiffies: all of them, and the steal column. */
export interface CpuJiffies {
  cpu: number;
  total: number;
  steal: number;
}

/**
 * Pure: the per-CPU lines of /proc/stat ("cpu0 user nice system idle iowait irq softirq steal
 * guest guest_nice"). guest time is already inside user, so it is left out of the total.
 */
export function parseProcStat(text: string): CpuJiffies[] {
  const out: CpuJiffies[] = [];
  for (const line of text.split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const xs = m[2]!.trim().split(/\s+/).map(Number);
    const first8 = xs.slice(0, 8);
    out.push({ cpu: Number(m[1]), total: first8.reduce((a, b) => a + b, 0), steal: xs[7] ?? 0 });
  }
  return out;
}

/** Pure: steal as a percentage of each CPU's time between two readings (null when no time passed). */
export function stealPctBetween(a: readonly CpuJiffies[], b: readonly CpuJiffies[]): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const end of b) {
    const start = a.find((x) => x.cpu === end.cpu);
    if (!start) continue;
    const total = end.total - start.total;
    out[String(end.cpu)] = total > 0 ? Math.round(((end.steal - start.steal) / total) * 1000) / 10 : null;
  }
  return out;
}

/** Pure: the worst CPU's steal (null when none was measured). */
export function worstSteal(perCpu: Record<string, number | null>): number | null {
  const xs = Object.values(perCpu).filter((x): x is number => x !== null);
  return xs.length ? Math.max(...xs) : null;
}

/** /proc/stat now, or null where there is none (not Linux). */
export function readProcStat(path = '/proc/stat'): CpuJiffies[] | null {
  try {
    return parseProcStat(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}
