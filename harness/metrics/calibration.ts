// The machine's own calibration of the loopback probe, stored at
// ~/.cache/protocol-bench/machine.json. Written on first use (the session probes five times and
// keeps the median); afterwards a faster probe on a later day lowers it, so it tends to the
// machine's quiet speed without ever being relative to the same invocation. Delete the file to
// calibrate afresh (for example after moving to another machine type).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MachineCalibration } from './disturbance.ts';
import type { ProbeFigures } from './machine-meters.ts';

export function calibrationPath(home = os.homedir()): string {
  return path.join(home, '.cache', 'protocol-bench', 'machine.json');
}

/** Pure: the stored calibration, or null when the text is not one. */
export function parseCalibration(text: string): MachineCalibration | null {
  try {
    const x = JSON.parse(text) as Partial<MachineCalibration>;
    const ok = typeof x.probeP50Us === 'number' && x.probeP50Us > 0 && typeof x.probeP99Us === 'number';
    return ok ? { probeP50Us: x.probeP50Us!, probeP99Us: x.probeP99Us!, measuredAt: String(x.measuredAt ?? '') } : null;
  } catch {
    return null;
  }
}

/** Pure: the calibration after a probe: the first one, or a faster one than stored; null when unchanged. */
export function calibrationAfter(stored: MachineCalibration | null, probe: ProbeFigures, at: Date): MachineCalibration | null {
  if (stored && stored.probeP50Us <= probe.p50Us) return null;
  return { probeP50Us: probe.p50Us, probeP99Us: probe.p99Us, measuredAt: at.toISOString() };
}

export function readCalibration(file = calibrationPath()): MachineCalibration | null {
  try {
    return parseCalibration(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** Written atomically; a machine whose home cannot be written simply has no calibration. */
export function writeCalibration(c: MachineCalibration, file = calibrationPath()): boolean {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, `${JSON.stringify(c, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
    return true;
  } catch {
    return false;
  }
}
