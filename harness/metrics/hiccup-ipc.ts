// Messages between the runner and its machine meters (procs/hiccup-entry.ts): one idle process
// per CPU that measures timer hiccups, and on CPU 0 / CPU 1 the two ends of the loopback probe.

export type RunnerToMeter =
  | { type: 'reset' }
  | { type: 'report'; seq: number }
  | { type: 'echo' }
  | { type: 'ping'; seq: number; port: number; roundTrips: number };

export type MeterToRunner =
  | { type: 'ready' }
  | { type: 'hiccups'; seq: number; histogram: string }
  | { type: 'echo-ready'; port: number }
  | { type: 'pong'; seq: number; histogram: string }
  | { type: 'error'; message: string };
