// Messages between the runner and its machine meters (procs/hiccup-entry.ts): one idle process
// per CPU that measures timer hiccups, and on CPU 0 / CPU 1 the two ends of the loopback probe.

export type RunnerToMeter =
  | { type: 'reset' }
  | { type: 'report'; seq: number }
  | { type: 'echo' }
  | { type: 'ping'; seq: number; port: number; roundTrips: number }
  // Issue 17: hiccups by interval of a run's window (epoch ms), from the meter's recent samples.
  | { type: 'intervals'; seq: number; startMs: number; intervalMs: number; count: number };

export type MeterToRunner =
  | { type: 'ready' }
  | { type: 'hiccups'; seq: number; histogram: string }
  | { type: 'echo-ready'; port: number }
  | { type: 'pong'; seq: number; histogram: string }
  /** One encoded histogram per interval; null where the meter's samples no longer reach back. */
  | { type: 'interval-hiccups'; seq: number; histograms: (string | null)[] }
  | { type: 'error'; message: string };
