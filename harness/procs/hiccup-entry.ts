// Child-process entry for a machine meter, jHiccup's method: an idle process (pinned to one
// CPU) sleeps 1 ms in a loop and records how late each wake-up was in an HdrHistogram. On an
// undisturbed CPU the overshoot is small; a neighbour (host steal, a CPU hog in the VM) shows
// up as late wake-ups. The same process serves the loopback probe: on request it runs a 1-byte
// echo server, or plays the client for a fixed number of round trips, so the probe crosses CPUs
// over loopback exactly as the benchmark's calls do.
import net from 'node:net';
import { createHistogram, encodeHistogram, type Histogram } from '../metrics/histogram.ts';
import type { MeterToRunner, RunnerToMeter } from '../metrics/hiccup-ipc.ts';
import { SampleRing } from '../metrics/sample-ring.ts';

const SLEEP_MS = 1;
const send = (m: MeterToRunner): void => void process.send?.(m);

let hiccups = createHistogram();
// Recent wake-ups with their times (issue 17), so a run's intervals get their own hiccups
// whenever the runner asks, whatever window resets happened meanwhile.
const recent = new SampleRing();

function sleepLoop(): void {
  const t0 = process.hrtime.bigint();
  setTimeout(() => {
    const overshootUs = Number(process.hrtime.bigint() - t0) / 1000 - SLEEP_MS * 1000;
    const us = Math.max(1, Math.round(overshootUs));
    hiccups.recordValue(us);
    recent.push(performance.timeOrigin + performance.now(), us);
    sleepLoop();
  }, SLEEP_MS);
}

function startEcho(): void {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (d) => socket.write(d));
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1', () => send({ type: 'echo-ready', port: (server.address() as net.AddressInfo).port }));
}

/** `roundTrips` 1-byte round trips on one connection, each timed; the first tenth warms up and is not kept. */
function pingPong(port: number, roundTrips: number): Promise<Histogram> {
  return new Promise((resolve, reject) => {
    const h = createHistogram();
    const warmup = Math.ceil(roundTrips / 10);
    let done = 0;
    let t0 = 0n;
    const socket = net.connect({ port, host: '127.0.0.1' }, () => {
      socket.setNoDelay(true);
      t0 = process.hrtime.bigint();
      socket.write('x');
    });
    socket.on('data', () => {
      const us = Number(process.hrtime.bigint() - t0) / 1000;
      if (++done > warmup) h.recordValue(Math.max(1, Math.round(us)));
      if (done >= roundTrips + warmup) {
        socket.destroy();
        resolve(h);
        return;
      }
      t0 = process.hrtime.bigint();
      socket.write('x');
    });
    socket.on('error', reject);
  });
}

process.on('message', (m: RunnerToMeter) => {
  if (m.type === 'reset') hiccups = createHistogram();
  else if (m.type === 'report') send({ type: 'hiccups', seq: m.seq, histogram: encodeHistogram(hiccups) });
  else if (m.type === 'intervals') {
    send({ type: 'interval-hiccups', seq: m.seq, histograms: recent.perInterval(m.startMs, m.intervalMs, m.count) });
  } else if (m.type === 'echo') startEcho();
  else if (m.type === 'ping')
    pingPong(m.port, m.roundTrips).then(
      (h) => send({ type: 'pong', seq: m.seq, histogram: encodeHistogram(h) }),
      (err: Error) => send({ type: 'error', message: `loopback probe: ${err.message}` }),
    );
  else if ((m as { type: string }).type === 'shutdown') process.exit(0);
});
process.on('disconnect', () => process.exit(0));
sleepLoop();
send({ type: 'ready' });
