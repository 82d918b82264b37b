// The session's machine watch (run/attempts.ts MachineWatch) over the real meters: probe and
// PSI before each run, steal and hiccups over each record's window, judged against the config's
// thresholds and this machine's stored calibration.
import type { ResolvedConfig } from '../config.ts';
import type { MachineWatch } from '../run/attempts.ts';
import { calibrationAfter, readCalibration, writeCalibration } from './calibration.ts';
import { judgeMachine, quietReasons, type MachineBlock, type MachineCalibration } from './disturbance.ts';
import { MachineMeters, type ProbeFigures } from './machine-meters.ts';
import { measurePressure } from './psi.ts';
import { readProcStat, stealPctBetween, worstSteal } from './steal.ts';

/** Probes on first use, without a stored calibration; the median p50 is kept. */
const FIRST_CALIBRATION_PROBES = 5;
const QUIET_RETRY_MS = 2_000;
/** The quiet wait before each run over which CPU pressure is read (the run's own children are stopped). */
const PRESSURE_WAIT_MS = 500;

export class MeteredMachine implements MachineWatch {
  private probe: ProbeFigures | null = null;
  private psiBefore: number | null = null;
  /** The fastest probe of this session: it may lower the stored calibration, but only at the end. */
  private fastest: ProbeFigures | null = null;

  private constructor(
    private readonly meters: MachineMeters,
    private readonly cfg: ResolvedConfig,
    private calibration: MachineCalibration | null,
  ) {}

  /** Starts the meters; calibrates the loopback probe on first use on this machine. */
  static async start(cfg: ResolvedConfig, note: (m: string) => void): Promise<MeteredMachine> {
    const meters = await MachineMeters.start(cfg.pin);
    let calibration = readCalibration();
    if (!calibration) {
      const probes: ProbeFigures[] = [];
      for (let i = 0; i < FIRST_CALIBRATION_PROBES; i++) probes.push(await meters.probe());
      probes.sort((a, b) => a.p50Us - b.p50Us);
      calibration = calibrationAfter(null, probes[Math.floor(probes.length / 2)]!, new Date());
      if (calibration && writeCalibration(calibration))
        note(
          `calibrated the loopback probe on this machine: p50 ${calibration.probeP50Us} us (~/.cache/protocol-bench/machine.json)`,
        );
    }
    return new MeteredMachine(meters, cfg, calibration);
  }

  async beforeRun(note: (message: string) => void): Promise<void> {
    if (this.cfg.machine.waitQuietS > 0) await this.waitQuiet(note);
    else {
      this.psiBefore = await measurePressure(PRESSURE_WAIT_MS);
      this.probe = await this.meters.probe().catch(() => null);
    }
    if (this.probe && (!this.fastest || this.probe.p50Us < this.fastest.p50Us)) this.fastest = this.probe;
    this.meters.openWindow();
  }

  windowOpened(): void {
    this.meters.openWindow();
  }

  intervalHiccups(startMs: number, intervalMs: number, count: number): Promise<({ p99: number; max: number } | null)[]> {
    return this.meters.intervalHiccups(startMs, intervalMs, count);
  }

  async judge(): Promise<MachineBlock> {
    const window = await this.meters.closeWindow();
    this.meters.openWindow();
    return judgeMachine({ window, probe: this.probe, psiBefore: this.psiBefore }, this.cfg.machine, this.calibration);
  }

  /**
   * Stops the meters; a probe faster than the stored calibration lowers it for later sessions
   * (never for this one: its runs were judged against what the machine had stored before).
   */
  async stop(): Promise<void> {
    const next = this.fastest && calibrationAfter(this.calibration, this.fastest, new Date());
    if (next) writeCalibration(next);
    await this.meters.stop();
  }

  /** Probe (with steal over the probe) until the machine looks quiet or the time is up. */
  private async waitQuiet(note: (message: string) => void): Promise<void> {
    const deadline = Date.now() + this.cfg.machine.waitQuietS * 1000;
    for (let first = true; ; first = false) {
      const stat0 = readProcStat();
      this.psiBefore = await measurePressure(PRESSURE_WAIT_MS);
      this.probe = await this.meters.probe().catch(() => null);
      const stat1 = readProcStat();
      const steal = stat0 && stat1 ? worstSteal(stealPctBetween(stat0, stat1)) : null;
      const reasons = this.probe ? quietReasons(this.probe, this.psiBefore, steal, this.cfg.machine, this.calibration) : [];
      if (reasons.length === 0) return;
      if (Date.now() + QUIET_RETRY_MS > deadline) {
        note(`machine still not quiet after ${this.cfg.machine.waitQuietS} s (${reasons.join('; ')}): running anyway`);
        return;
      }
      if (first) note(`waiting up to ${this.cfg.machine.waitQuietS} s for a quiet machine: ${reasons.join('; ')}`);
      await new Promise((r) => setTimeout(r, QUIET_RETRY_MS));
    }
  }
}
