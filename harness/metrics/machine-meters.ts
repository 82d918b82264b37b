// The machine meters of a session (effects only; judging them is metrics/disturbance.ts): one
// idle hiccup process per CPU (procs/hiccup-entry.ts), pinned when taskset exists, kept for the
// whole session; /proc/stat and /proc/pressure/cpu read at a window's edges; and the loopback
// probe, an echo on CPU 0's meter and its client on CPU 1's, so each round trip crosses CPUs.
import os from 'node:os';
import type { ChildProcess } from 'node:child_process';
import { commandExists, hasType, spawnNode, stopChild, waitForMessage } from '../procs/control.ts';
import { decodeHistogram, mergeEncoded } from './histogram.ts';
import { readProcStat, stealPctBetween, type CpuJiffies } from './steal.ts';
import type { MeterToRunner } from './hiccup-ipc.ts';

const ENTRY = new URL('../procs/hiccup-entry.ts', import.meta.url);
/** One meter per CPU up to this many: enough to see a neighbour, few enough to stay idle. */
const MAX_METERS = 8;
/** Round trips of one loopback probe: about 0.1 s on a quiet 2-vCPU VM, a few seconds at worst. */
export const PROBE_ROUND_TRIPS = 2000;
const ANSWER_MS = 30_000;

export interface ProbeFigures {
  roundTrips: number;
  p50Us: number;
  p99Us: number;
}

/** What the meters saw over one window. */
export interface WindowReading {
  stealPctByCpu: Record<string, number | null>;
  /** Per meter (CPU), and over all meters merged. */
  hiccupUsByCpu: Record<string, { p99: number; max: number }>;
  hiccupUs: { p99: number; max: number } | null;
}

type Msg<K extends MeterToRunner['type']> = Extract<MeterToRunner, { type: K }>;

export class MachineMeters {
  private seq = 0;
  private statAtOpen: CpuJiffies[] | null = null;
  private echoPort: number | null = null;

  private constructor(
    private readonly meters: { cpu: string; child: ChildProcess }[],
    readonly pinned: boolean,
  ) {}

  /** One meter per CPU, pinned to it when `pin` and taskset allow. */
  static async start(pin: boolean, cpuCount = os.cpus().length): Promise<MachineMeters> {
    const pinned = pin && cpuCount > 1 && commandExists('taskset');
    const cpus = Array.from({ length: Math.min(cpuCount, MAX_METERS) }, (_, i) => String(i));
    const meters = cpus.map((cpu) => ({ cpu, child: spawnNode(ENTRY, [], pinned ? cpu : null) }));
    await Promise.all(meters.map((m) => waitForMessage(m.child, hasType('ready'), ANSWER_MS, `hiccup meter on CPU ${m.cpu}`)));
    return new MachineMeters(meters, pinned);
  }

  /** The loopback probe: fixed round trips from the last meter's CPU to the first's echo. */
  async probe(roundTrips = PROBE_ROUND_TRIPS): Promise<ProbeFigures> {
    const echo = this.meters[0]!.child;
    const client = this.meters[this.meters.length - 1]!.child;
    if (this.echoPort === null) {
      const ready = waitForMessage<Msg<'echo-ready'>>(echo, hasType('echo-ready'), ANSWER_MS, 'loopback probe echo');
      echo.send({ type: 'echo' });
      this.echoPort = (await ready).port;
    }
    const seq = ++this.seq;
    const pong = waitForMessage<Msg<'pong'>>(
      client,
      (m): m is Msg<'pong'> => hasType('pong')(m) && (m as Msg<'pong'>).seq === seq,
      ANSWER_MS,
      'loopback probe',
    );
    client.send({ type: 'ping', seq, port: this.echoPort, roundTrips });
    const h = decodeHistogram((await pong).histogram);
    return { roundTrips, p50Us: h.getValueAtPercentile(50), p99Us: h.getValueAtPercentile(99) };
  }

  /** Opens a window: hiccup histograms restart, /proc/stat is read. */
  openWindow(): void {
    for (const m of this.meters) if (m.child.connected) m.child.send({ type: 'reset' });
    this.statAtOpen = readProcStat();
  }

  /** Closes the window: steal over it, each meter's hiccups since the reset, PSI now. */
  async closeWindow(): Promise<WindowReading> {
    const statNow = readProcStat();
    const seq = ++this.seq;
    const reports = await Promise.all(
      this.meters.map(async (m) => {
        const reply = waitForMessage<Msg<'hiccups'>>(
          m.child,
          (x): x is Msg<'hiccups'> => hasType('hiccups')(x) && (x as Msg<'hiccups'>).seq === seq,
          ANSWER_MS,
          `hiccup meter on CPU ${m.cpu}`,
        );
        m.child.send({ type: 'report', seq });
        return { cpu: m.cpu, h: decodeHistogram((await reply).histogram) };
      }),
    );
    const hiccupUsByCpu: WindowReading['hiccupUsByCpu'] = {};
    let all: ReturnType<typeof decodeHistogram> | null = null;
    for (const { cpu, h } of reports) {
      hiccupUsByCpu[cpu] = { p99: h.getValueAtPercentile(99), max: h.maxValue };
      if (all) all.add(h);
      else all = h;
    }
    return {
      stealPctByCpu: this.statAtOpen && statNow ? stealPctBetween(this.statAtOpen, statNow) : {},
      hiccupUsByCpu,
      hiccupUs: all && all.totalCount > 0 ? { p99: all.getValueAtPercentile(99), max: all.maxValue } : null,
    };
  }

  /**
   * Issue 17: hiccups by interval of a run's window (epoch ms start), all meters merged; null for
   * an interval some meter no longer holds samples of.
   */
  async intervalHiccups(startMs: number, intervalMs: number, count: number): Promise<({ p99: number; max: number } | null)[]> {
    const seq = ++this.seq;
    const perMeter = await Promise.all(
      this.meters.map(async (m) => {
        const reply = waitForMessage<Msg<'interval-hiccups'>>(
          m.child,
          (x): x is Msg<'interval-hiccups'> => hasType('interval-hiccups')(x) && (x as Msg<'interval-hiccups'>).seq === seq,
          ANSWER_MS,
          `hiccup meter on CPU ${m.cpu}`,
        );
        m.child.send({ type: 'intervals', seq, startMs, intervalMs, count });
        return (await reply).histograms;
      }),
    );
    return mergeMeterIntervals(perMeter, count);
  }

  async stop(): Promise<void> {
    await Promise.all(this.meters.map((m) => stopChild(m.child, 500)));
  }
}

/** Pure: each interval's hiccups over every meter, merged exactly; null when a meter lacks it or none woke. */
export function mergeMeterIntervals(
  perMeter: readonly (readonly (string | null)[])[],
  count: number,
): ({ p99: number; max: number } | null)[] {
  return Array.from({ length: count }, (_, i) => {
    const hs = perMeter.map((m) => m[i] ?? null);
    if (hs.length === 0 || hs.some((h) => h === null)) return null;
    const all = mergeEncoded(hs as string[]);
    return all.totalCount > 0 ? { p99: all.getValueAtPercentile(99), max: all.maxValue } : null;
  });
}
