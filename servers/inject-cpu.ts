// `--inject-server-cpu-us N` (issue 13): a fixed amount of busy work per request, so a known
// regression can be planted to prove the CI gate sees one. Every server calls the function this
// returns at the start of its request path; with no injection it returns undefined and the
// servers add nothing to their hot path.

/**
 * A busy function for N microseconds of CPU per call, or undefined for none. It spins on
 * process.hrtime (not a sleep): the thread stays on the CPU, as real work would keep it.
 */
export function cpuBurner(us: number | undefined): (() => void) | undefined {
  if (us === undefined || !(us > 0)) return undefined;
  const ns = BigInt(Math.round(us * 1000));
  return () => {
    const end = process.hrtime.bigint() + ns;
    // Each iteration is one clock read (~25-50 ns), so the overshoot is well under a microsecond.
    while (process.hrtime.bigint() < end);
  };
}
