// Figures for the polling-versus-push claims, from the fanout runs: at each event rate
// claims-reference.yaml names (FANOUT), and the server load at its 1,000 subscribers (FANOUT_LOAD),
// with the CPU clock's resolution carried into the verdict instead of ratios of a few ticks.
import type { Observation } from './decide.ts';
import { fmt } from './decide.ts';
import {
  CPU_TICK_US,
  FANOUT,
  FANOUT_LOAD,
  acrossConditions,
  delivery,
  fanoutLoadVariant,
  fanoutVariant,
  medianOf,
  perRepeat,
  tickRange,
  type BenchContext,
  type Part,
} from './figures.ts';
import type { RunRecord } from '../harness/results/types.ts';

const rateLabel = (rate: number): string => `${rate} event/s`;
const at = (transport: string, rate: number): Part => ({ protocol: transport, variant: fanoutVariant(transport, rate) });
const meanMs = (r: RunRecord): number => (delivery(r)?.latencyUs?.mean ?? NaN) / 1000;
const bytesPerEvent = (r: RunRecord): number | null => {
  const b = delivery(r)?.bytesPerEvent;
  return b ? b.out + b.in : null;
};

function medAt(ctx: BenchContext, transport: string, rate: number, f: (r: RunRecord) => number | null, unit = ''): string {
  const m = medianOf(ctx, 'fanout', at(transport, rate), f);
  return m === null ? 'n/a' : `${fmt(m)}${unit}`;
}

/** Mean delivery latency of short polling over half its interval, at each rate. */
export function pollingLatency(ctx: BenchContext): Observation {
  const half = (FANOUT.pollMs * 1000) / 2;
  return acrossConditions(
    FANOUT.eventRates.map((rate) => ({
      label: rateLabel(rate),
      obs: perRepeat(ctx, 'fanout', [at('poll', rate)], (p) => (delivery(p)?.latencyUs?.mean ?? NaN) / half, {
        unit: 'x',
        boundMatters: false,
        detail:
          `mean delivery polling ${medAt(ctx, 'poll', rate, meanMs, ' ms')}, ` +
          `WebSocket push ${medAt(ctx, 'websocket', rate, meanMs, ' ms')}, SSE ${medAt(ctx, 'sse', rate, meanMs, ' ms')}`,
      }),
    })),
    `polls every ${FANOUT.pollMs} ms, so T/2 = ${FANOUT.pollMs / 2} ms; a 5 s interval gives the guide's 2.5 s`,
  );
}

/** Wire bytes per delivered event, polling over WebSocket push, at each rate. */
export function pollingBandwidth(ctx: BenchContext): Observation {
  return acrossConditions(
    FANOUT.eventRates.map((rate) => ({
      label: rateLabel(rate),
      obs: perRepeat(
        ctx,
        'fanout',
        [at('poll', rate), at('websocket', rate)],
        (p, w) => {
          const [bp, bw] = [bytesPerEvent(p), bytesPerEvent(w)];
          return bp === null || bw === null ? null : bp / bw;
        },
        {
          unit: 'x',
          boundMatters: false,
          detail:
            `B/event polling ${medAt(ctx, 'poll', rate, bytesPerEvent)}, ` +
            `WebSocket ${medAt(ctx, 'websocket', rate, bytesPerEvent)}, SSE ${medAt(ctx, 'sse', rate, bytesPerEvent)}`,
        },
      ),
    })),
    `${FANOUT.subscribers} subscribers, polls every ${FANOUT.pollMs} ms: ` +
      'fewer events per poll make polling costlier per event, more make it cheaper',
  );
}

/** Total server CPU over the window, microseconds: per-event figure times events (what the tick count was). */
const serverCpuTotal = (r: RunRecord): number | null => {
  const d = delivery(r);
  return d?.serverCpuUsPerEvent == null ? null : d.serverCpuUsPerEvent * d.delivered;
};

/** The range a ratio a/b lies in when each is known to within its tick range. */
function ratioRange(a: [number, number], b: [number, number]): [number, number] {
  // Unbounded above when the denominator may be 0 ticks; MAX_VALUE, not Infinity, survives the saved JSON.
  return [b[1] > 0 ? a[0] / b[1] : 0, b[0] > 0 ? a[1] / b[0] : Number.MAX_VALUE];
}

/** Server CPU per delivered event, polling over WebSocket push, 1,000 subscribers at 0.1 event/s. */
export function pollingServerLoad(ctx: BenchContext): Observation {
  const poll: Part = { protocol: 'poll', variant: fanoutLoadVariant('poll') };
  const ws: Part = { protocol: 'websocket', variant: fanoutLoadVariant('websocket') };
  const perEvent = (r: RunRecord): number => delivery(r)?.serverCpuUsPerEvent ?? NaN;
  const range = (r: RunRecord): [number, number] => tickRange(perEvent(r), delivery(r)?.delivered ?? 0);
  const ticks = (part: Part): string => {
    const m = medianOf(ctx, 'fanout-load', part, serverCpuTotal);
    return m === null ? 'n/a' : `${fmt(m / CPU_TICK_US)} ticks`;
  };
  const us = (part: Part): string => {
    const m = medianOf(ctx, 'fanout-load', part, perEvent);
    return m === null ? 'n/a' : `${fmt(m)} us`;
  };
  return perRepeat(ctx, 'fanout-load', [poll, ws], (p, w) => perEvent(p) / perEvent(w), {
    unit: 'x',
    boundMatters: true,
    range: {
      of: (p, w) => ratioRange(range(p), range(w)),
      resolution: `server CPU is read in ${CPU_TICK_US / 1000} ms ticks (up to 2 ticks off per window)`,
    },
    detail:
      `server CPU per delivered event polling ${us(poll)} (${ticks(poll)} per window), ` +
      `WebSocket push ${us(ws)} (${ticks(ws)}); ` +
      `${FANOUT_LOAD.subscribers} subscribers at ${FANOUT_LOAD.eventRate} event/s, polls every ${FANOUT_LOAD.pollMs} ms; ` +
      "each repeat's ratio is decided over the range its tick counts allow",
  });
}
