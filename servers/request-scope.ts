// Per-request attribution of store statements. A server runs each request inside a scope
// (AsyncLocalStorage, so the scope follows the request through awaits, DataLoader batches and
// timers); the SQLite store adds every statement to the scope it runs in. When a request ends,
// its statements join the process's tally together with the request itself, so
// statements / requests over any window counts every request whole, however many are in
// flight at the window's edges (reading a bare statement counter there does not).
import { AsyncLocalStorage } from 'node:async_hooks';

/** Requests this process has completed, and the statements those requests ran. */
export interface RequestTally {
  completed: number;
  statements: number;
}

export interface RequestScope {
  /** Runs fn (and everything it schedules) as part of this request. */
  run<T>(fn: () => T): T;
  /** The request is over: count it and its statements, once (later calls do nothing). */
  end(): void;
}

const current = new AsyncLocalStorage<{ statements: number }>();
// One tally per process: the harness runs one server per process (harness/procs/server-entry.ts).
const tally: RequestTally = { completed: 0, statements: 0 };

export function openRequest(): RequestScope {
  const own = { statements: 0 };
  let ended = false;
  return {
    run: (fn) => current.run(own, fn),
    end() {
      if (ended) return;
      ended = true;
      tally.completed++;
      tally.statements += own.statements;
    },
  };
}

/** A statement ran: charge it to the request running it (none: seeding, stats, a server without scopes). */
export function chargeStatement(): void {
  const scope = current.getStore();
  if (scope) scope.statements++;
}

/** A copy of the tally so far. */
export function requestTally(): RequestTally {
  return { ...tally };
}

/**
 * Runs a request whose store work is synchronous (a WebSocket message, an SSE rpc) as one scope,
 * counted when fn returns: nothing it schedules later belongs to the request.
 */
export function inRequest<T>(fn: () => T): T {
  const scope = openRequest();
  try {
    return scope.run(fn);
  } finally {
    scope.end();
  }
}
