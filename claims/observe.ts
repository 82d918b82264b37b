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

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
