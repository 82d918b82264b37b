// Child-process entry for the ws-connections check (claims/checks-ws-connections.ts): opens its
// share of WebSocket connections to one server with a bounded number of handshakes pending,
// each from the next loopback source address in turn, and holds them. On 'ack' every open
// connection sends one getUser and the answers are counted, so "open" means the server still
// serves it, not just that the kernel keeps the socket. The job arrives in argv as JSON.
import WebSocket from 'ws';

export interface ClientJob {
  url: string;
  /** Connections this process opens. */
  count: number;
  /** Global index of its first connection: connection g leaves from addresses[g % addresses.length]. */
  firstIndex: number;
  addresses: readonly string[];
  /** Handshakes pending at once in this process. */
  concurrency: number;
  /** Stop opening after this long (from the first connect); what is open by then is reported. */
  openMs: number;
  /** Give up opening after this many failed handshakes: the cause is known by then, more tries only load the machine. */
  maxFailures: number;
  /** getUser asks for ids 1..users. */
  users: number;
}

/** The check kills this process when done: exit closes every socket at once, in the kernel. */
export type ParentToClient = { type: 'ack'; timeoutMs: number };

export interface OpenReport {
  open: number;
  /** Handshakes that failed, by error code ('EADDRNOTAVAIL', 'EMFILE', 'ECONNRESET', 'http 503', 'handshake timeout', ...). */
  failures: Record<string, number>;
  /** Connections that opened and then closed before the end, by close code. */
  closedEarly: Record<string, number>;
  /** ms from the first connect to the last handshake done. */
  ms: number;
  timedOut: boolean;
}

export type ClientToParent =
  | ({ type: 'progress' } & OpenReport)
  | ({ type: 'opened' } & OpenReport)
  | { type: 'acked'; sent: number; answered: number; ms: number; timedOut: boolean; closedEarly: Record<string, number> };

const send = (m: ClientToParent): void => void process.send?.(m);
const bump = (tally: Record<string, number>, key: string): void => void (tally[key] = (tally[key] ?? 0) + 1);

/** A short, stable name for why a handshake failed. */
function failureCode(err: Error & { code?: string }): string {
  if (err.code) return err.code;
  const status = /Unexpected server response: (\d+)/.exec(err.message);
  if (status) return `http ${status[1]}`;
  if (/handshake has timed out/i.test(err.message)) return 'handshake timeout';
  return err.message.slice(0, 60);
}

function main(): void {
  const job = JSON.parse(process.argv[2] ?? '{}') as ClientJob;
  // Slot i holds this process's i-th connection once open; null before, or when it failed.
  const sockets: (WebSocket | null)[] = new Array<WebSocket | null>(job.count).fill(null);
  const failures: Record<string, number> = {};
  const closedEarly: Record<string, number> = {};
  let next = 0;
  let pending = 0;
  let open = 0;
  let failed = 0;
  let openDone = false;
  const t0 = performance.now();
  let lastOpenAt = t0;

  const report = (timedOut: boolean): OpenReport => ({ open, failures, closedEarly, ms: Math.round(lastOpenAt - t0), timedOut });
  const progress = setInterval(() => send({ type: 'progress', ...report(false) }), 1000);

  const finishOpening = (timedOut: boolean): void => {
    if (openDone) return;
    openDone = true;
    clearInterval(progress);
    clearTimeout(deadline);
    send({ type: 'opened', ...report(timedOut) });
  };
  // Handshakes still pending at the deadline are left to fail or finish; they no longer count as opened.
  const deadline = setTimeout(() => finishOpening(true), job.openMs);

  const launch = (): void => {
    while (!openDone && pending < job.concurrency && next < job.count && failed < job.maxFailures) startOne(next++);
    if (!openDone && pending === 0 && (next >= job.count || failed >= job.maxFailures)) finishOpening(false);
  };

  const startOne = (i: number): void => {
    pending++;
    const g = job.firstIndex + i;
    const ws = new WebSocket(job.url, {
      localAddress: job.addresses[g % job.addresses.length],
      // The server does not offer it; not offering it either keeps each client connection lean.
      perMessageDeflate: false,
      handshakeTimeout: 30_000,
    });
    let wasOpen = false;
    ws.once('open', () => {
      wasOpen = true;
      pending--;
      if (openDone) {
        ws.terminate(); // too late to count: the report is out
      } else {
        sockets[i] = ws;
        open++;
        lastOpenAt = performance.now();
      }
      launch();
    });
    ws.on('error', (err: Error) => {
      if (wasOpen) return; // the close that follows is counted
      pending--;
      failed++;
      if (!openDone) bump(failures, failureCode(err));
      launch();
    });
    ws.once('close', (code: number) => {
      if (!wasOpen || sockets[i] !== ws) return;
      // Only the server (or the kernel) closes a connection before the end: this process never does.
      sockets[i] = null;
      open--;
      bump(closedEarly, String(code));
    });
  };

  const acknowledge = (timeoutMs: number): void => {
    const t1 = performance.now();
    const answered = new Uint8Array(job.count);
    let sent = 0;
    let got = 0;
    let done = false;
    const finish = (timedOut: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // Answered and still open now: held at once, and served.
      let held = 0;
      for (let i = 0; i < job.count; i++) if (answered[i] && sockets[i]?.readyState === WebSocket.OPEN) held++;
      send({ type: 'acked', sent, answered: held, ms: Math.round(performance.now() - t1), timedOut, closedEarly });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    for (let i = 0; i < job.count; i++) {
      const ws = sockets[i];
      if (!ws || ws.readyState !== WebSocket.OPEN) continue;
      const id = job.firstIndex + i;
      ws.once('message', (data: WebSocket.RawData) => {
        // The answer must be this request's: same id, a user in `result`.
        let m: { id?: unknown; result?: unknown } = {};
        try {
          m = JSON.parse(String(data)) as typeof m;
        } catch {
          // not an answer: left unanswered
        }
        if (m.id === id && m.result && !answered[i]) {
          answered[i] = 1;
          if (++got === sent) finish(false);
        }
      });
      ws.send(JSON.stringify({ id, op: 'getUser', params: { id: (id % job.users) + 1 } }));
      sent++;
    }
    if (sent === 0) finish(false);
  };

  process.on('message', (m: ParentToClient) => {
    if (m.type === 'ack') acknowledge(m.timeoutMs);
  });
  // The check is gone (finished, crashed or killed): never outlive it.
  process.on('disconnect', () => process.exit(0));
  launch();
}

main();
