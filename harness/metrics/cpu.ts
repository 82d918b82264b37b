// CPU time of a child process, the one way the harness measures it (server, load generators,
// subscribers, for both workloads): the runner reads /proc/<pid>/stat at the measured window's
// edges. A sample the process takes of itself (process.cpuUsage() over IPC) arrives late exactly
// when that process is saturated and its event loop is behind; the kernel's count is on time.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

// Clock ticks per second of utime/stime (USER_HZ), 100 on every usual Linux build.
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

export interface CpuTimes {
  userUs: number;
  systemUs: number;
}

/**
 * User and system CPU time of a process (all its threads, exited ones included), microseconds.
 * Resolution is one clock tick, 10 ms at CLK_TCK 100: over a 1 s window at 0.5 cores that is
 * 2%, so short runs of an idle process may read 0. null when the process is gone or off Linux.
 */
export function procCpuTimes(pid: number | undefined): CpuTimes | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name, which may hold spaces, in parentheses: utime and stime
    // are fields 14 and 15 of the line, 12 and 13 counted from the state after ') '.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const tick = 1e6 / CLK_TCK;
    return { userUs: Number(f[11]) * tick, systemUs: Number(f[12]) * tick };
  } catch {
    return null;
  }
}

/** User + system CPU time of a process, microseconds (see procCpuTimes). */
export function procCpuUs(pid: number | undefined): number | null {
  const t = procCpuTimes(pid);
  return t && t.userUs + t.systemUs;
}

/** CPU used between two readings of the same processes; null if either is missing. */
export function cpuBetween(from: number | null | undefined, to: number | null | undefined): number | null {
  return from === null || from === undefined || to === null || to === undefined ? null : to - from;
}
