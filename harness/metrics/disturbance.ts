// Was the machine disturbed during a run? Pure: the meters' readings (machine-meters.ts) and
// the thresholds of the config's `machine` block in, the run record's `machine` block out.
// Every threshold is absolute or relative to the calibration stored on this machine
// (calibration.ts), never to the fastest probe of the same invocation: a neighbour that is
// there from the first run on must still be caught.
import type { ProbeFigures, WindowReading } from './machine-meters.ts';
import { worstSteal } from './steal.ts';

export interface MachineThresholds {
  /** Worst CPU's steal over the window, percent. */
  stealPct: number;
  /** Hiccups (1 ms sleeps' overshoot) over the window, all meters merged, microseconds. */
  hiccupP99Us: number;
  hiccupMaxUs: number;
  /** Loopback probe p50 before the run: this many times the calibrated p50 ... */
  probeSlowdown: number;
  /** ... or, with no calibration on the machine, above this many microseconds. */
  probeP50Us: number;
  /** /proc/pressure/cpu: share of a short wait before the run in which some task waited for a CPU, percent. */
  cpuPressurePct: number;
}

/** What the machine stores of itself (calibration.ts): the loopback probe on a quiet machine. */
export interface MachineCalibration {
  probeP50Us: number;
  probeP99Us: number;
  measuredAt: string;
}

export interface MachineBlock {
  stealPct: number | null;
  stealPctByCpu: Record<string, number | null>;
  hiccupUs: { p99: number; max: number } | null;
  hiccupUsByCpu: Record<string, { p99: number; max: number }>;
  probe: (ProbeFigures & { calibratedP50Us: number | null }) | null;
  cpuPressurePct: number | null;
  disturbed: boolean;
  reasons: string[];
}

export interface MachineEvidence {
  window: WindowReading;
  /** The loopback probe timed before the run (null when it could not run). */
  probe: ProbeFigures | null;
  /** CPU pressure (PSI some) over a short wait before the run: during it, the run's own load is pressure too. */
  psiBefore: number | null;
}

const ms = (us: number): string => `${(us / 1000).toFixed(1)} ms`;

/** The `machine` block of a run record: the figures, and whether (and why) the run was disturbed. */
export function judgeMachine(e: MachineEvidence, t: MachineThresholds, calibration: MachineCalibration | null): MachineBlock {
  const stealPct = worstSteal(e.window.stealPctByCpu);
  const reasons: string[] = [];
  if (stealPct !== null && stealPct > t.stealPct) reasons.push(`steal ${stealPct}% > ${t.stealPct}%`);
  const h = e.window.hiccupUs;
  if (h && h.p99 > t.hiccupP99Us) reasons.push(`hiccup p99 ${ms(h.p99)} > ${ms(t.hiccupP99Us)}`);
  if (h && h.max > t.hiccupMaxUs) reasons.push(`hiccup max ${ms(h.max)} > ${ms(t.hiccupMaxUs)}`);
  if (e.probe) {
    const limit = calibration ? calibration.probeP50Us * t.probeSlowdown : t.probeP50Us;
    const against = calibration ? `${t.probeSlowdown}x calibrated ${calibration.probeP50Us} us` : 'absolute limit';
    if (e.probe.p50Us > limit) reasons.push(`loopback probe p50 ${e.probe.p50Us} us > ${Math.round(limit)} us (${against})`);
  }
  if (e.psiBefore !== null && e.psiBefore > t.cpuPressurePct) reasons.push(`cpu pressure ${e.psiBefore}% > ${t.cpuPressurePct}%`);
  return {
    stealPct,
    stealPctByCpu: e.window.stealPctByCpu,
    hiccupUs: h,
    hiccupUsByCpu: e.window.hiccupUsByCpu,
    probe: e.probe && { ...e.probe, calibratedP50Us: calibration?.probeP50Us ?? null },
    cpuPressurePct: e.psiBefore,
    disturbed: reasons.length > 0,
    reasons,
  };
}

/** Pure: is the machine quiet enough to start a run (for --wait-quiet)? The reasons it is not. */
export function quietReasons(
  probe: ProbeFigures,
  psi: number | null,
  steal: number | null,
  t: MachineThresholds,
  calibration: MachineCalibration | null,
): string[] {
  const verdict = judgeMachine(
    { window: { stealPctByCpu: steal === null ? {} : { all: steal }, hiccupUsByCpu: {}, hiccupUs: null }, probe, psiBefore: psi },
    t,
    calibration,
  );
  return verdict.reasons;
}
