// When each call of an open-loop run should start: pure functions of the model, the seed
// and the call's index. Calls are scheduled from the run's start (never from the previous
// call's completion), so a slow answer cannot slow the schedule: no drift, no coordinated
// omission.
import { mulberry32 } from '../../servers/dataset.ts';
import type { OpenLoadModel } from './model.ts';

/** A generator of intended start offsets in ms from t0, increasing; Infinity when done. */
export type Schedule = () => number;

/**
 * Offsets for `warmupMs` at the first rate, then the model's measured part.
 * For stages the measured part lasts the sum of the stages; otherwise `durationMs`.
 */
export function makeSchedule(model: OpenLoadModel, warmupMs: number, durationMs: number, seed = 1): Schedule {
  const segments: { rate: number; startMs: number; endMs: number }[] = [];
  const firstRate = model.model === 'stages' ? model.stages[0]!.rate : model.rate;
  if (warmupMs > 0) segments.push({ rate: firstRate, startMs: 0, endMs: warmupMs });
  if (model.model === 'stages') {
    let t = warmupMs;
    for (const s of model.stages) {
      segments.push({ rate: s.rate, startMs: t, endMs: t + s.durationS * 1000 });
      t += s.durationS * 1000;
    }
  } else {
    segments.push({ rate: model.rate, startMs: warmupMs, endMs: warmupMs + durationMs });
  }
  const random = mulberry32(seed);
  const poisson = model.model === 'poisson';
  let seg = 0;
  let k = 0; // index within the segment (constant rate: offset = start + k / rate)
  let t = 0; // last offset (Poisson: running sum of exponential gaps)
  return () => {
    for (;;) {
      const s = segments[seg];
      if (!s) return Infinity;
      const intervalMs = 1000 / s.rate;
      let next: number;
      if (poisson) {
        if (k === 0) t = s.startMs;
        // Exponential gap with mean 1/rate; 1 - random() is in (0, 1], so the log is finite.
        next = t + -Math.log(1 - random()) * intervalMs;
      } else {
        next = s.startMs + k * intervalMs;
      }
      if (next < s.endMs) {
        k++;
        t = next;
        return next;
      }
      seg++;
      k = 0;
    }
  };
}

/** Length of the measured part of a model, ms. */
export function measuredMs(model: OpenLoadModel, durationMs: number): number {
  return model.model === 'stages' ? model.stages.reduce((s, x) => s + x.durationS * 1000, 0) : durationMs;
}
