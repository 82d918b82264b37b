// Small constructors for observations made by checks (claims/checks-*.ts).
import type { Observation } from './decide.ts';

export type CheckResult = Record<string, Observation>;

/** A behaviour: held (1) or not (0), with what was seen. */
export const held = (ok: boolean, detail: string): Observation => ({ samples: [ok ? 1 : 0], unit: '', exact: true, detail });

/** An exact figure (computed or counted). */
export const exact = (value: number, unit: string, detail?: string): Observation => ({
  samples: [value],
  unit,
  exact: true,
  detail,
});

/** Nothing to observe, and why (the server lacks the feature, a tool is missing, ...). */
export const unavailable = (reason: string, detail?: string): Observation => ({
  samples: [],
  unit: '',
  unavailable: reason,
  detail,
});

/** A check that threw: each of its keys becomes inconclusive with the error, never refuted. */
export function failedCheck(keys: readonly string[], err: unknown): CheckResult {
  const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return Object.fromEntries(keys.map((k) => [k, unavailable(`the check failed to run: ${msg}`)]));
}

/** An observation, or inconclusive with the error when making it threw: one key's failure costs no other key. */
export async function settled(f: () => Promise<Observation>): Promise<Observation> {
  try {
    return await f();
  } catch (err) {
    return unavailable(`the check failed to run: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Run `f` while a 1 ms timer loop records how late this process's event loop woke (jHiccup's
 * idea, in process: the checks run their servers here, so this lateness delays them too).
 */
export async function withHiccups<T>(f: () => Promise<T>): Promise<{ value: T; lateMs: number }> {
  let lateMs = 0;
  let stop = false;
  let timer: NodeJS.Timeout | undefined;
  // The due time is taken when the timer is armed: read inside the callback it would always be
  // 1 ms ahead of now, and no lateness would ever be seen.
  const arm = (): void => {
    const due = performance.now() + 1;
    timer = setTimeout(() => tick(due), 1);
  };
  const tick = (due: number): void => {
    lateMs = Math.max(lateMs, performance.now() - due);
    if (!stop) arm();
  };
  arm();
  try {
    return { value: await f(), lateMs };
  } finally {
    stop = true;
    clearTimeout(timer);
  }
}

/**
 * A behaviour judged by timing (a drop within 2 periods, a deadline near 1 s): held when `ok`.
 * When not, a machine that stalled this process for more than half the check's slack could be
 * the cause, so the result is inconclusive with the stall named, never refuted (issue 15.7).
 */
export function timedHeld(ok: boolean, detail: string, lateMs: number, slackMs: number): Observation {
  if (ok || lateMs <= slackMs / 2) return held(ok, `${detail}; event loop at most ${Math.round(lateMs)} ms late meanwhile`);
  return unavailable(
    `the timing did not hold, but the machine stalled this process by up to ${Math.round(lateMs)} ms during the check ` +
      `(more than half its ${slackMs} ms slack): a busy machine, not a finding`,
    detail,
  );
}
