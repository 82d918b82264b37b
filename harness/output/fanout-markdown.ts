// Pure rendering of a fanout result: the per-run table, where each protocol stopped keeping
// up, and polling against push per event rate.
import type { BenchResult, RunRecord } from '../results/types.ts';
import { endOnly } from './end-only.ts';
import type { OutputEntry } from './types.ts';

/** A fanout result, told by its data: the scenario it names, or runs that carry delivery figures. */
export function isFanoutResult(result: Pick<BenchResult, 'scenario' | 'runs'>): boolean {
  return result.scenario === 'fanout' || result.runs.some((r) => r.delivery !== undefined);
}

const int = (x: number | null | undefined): string =>
  x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : Math.round(x).toLocaleString('en-US');
const ms = (us: number | null | undefined): string => {
  if (us === null || us === undefined) return 'n/a';
  const v = us / 1000;
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : v >= 10 ? v.toFixed(1) : v.toFixed(2);
};
const kib = (b: number | null | undefined): string => (b === null || b === undefined ? 'n/a' : (b / 1024).toFixed(1));
const num1 = (x: number | null | undefined): string =>
  x === null || x === undefined ? 'n/a' : x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1);

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

function rowName(r: RunRecord): string {
  const d = r.delivery;
  return d?.pollIntervalMs !== null && d?.pollIntervalMs !== undefined ? `${r.protocol} (${d.pollIntervalMs} ms)` : r.protocol;
}

export function renderFanoutTable(runs: readonly RunRecord[]): string {
  const header = [
    'protocol',
    'K',
    'events/s',
    'delivered / expected',
    'lost',
    'dup',
    'p50 ms',
    'p99 ms',
    'max ms',
    'B/event in / out',
    'empty polls (B/event)',
    'server CPU us/event',
    'server / client cores',
    'RSS / heap KiB per conn',
    'connect s',
    'keeping up',
  ];
  const rows = runs.map((r) => {
    const d = r.delivery;
    if (!d) return [rowName(r), 'n/a', 'n/a', r.state, '', '', '', '', '', '', '', '', '', '', '', r.error ?? r.state];
    const l = d.latencyUs;
    const m = r.memoryPerConnectionBytes;
    return [
      rowName(r),
      int(d.subscribers),
      num1(d.eventRate),
      `${int(d.delivered)} / ${int(d.expected)}`,
      int(d.lost),
      int(d.duplicated),
      ms(l?.p50),
      ms(l?.p99),
      ms(l?.max),
      d.bytesPerEvent ? `${int(d.bytesPerEvent.in)} / ${int(d.bytesPerEvent.out)}` : 'n/a',
      d.polls ? `${int(d.polls.empty)} (${int(d.polls.emptyBytesPerEvent)})` : '-',
      num1(d.serverCpuUsPerEvent),
      `${r.cpuCores.server?.toFixed(2) ?? 'n/a'} / ${r.cpuCores.client?.toFixed(2) ?? 'n/a'}${r.generatorBound ? ' **gen-bound**' : ''}`,
      m ? `${kib(m.rss)} / ${kib(m.heap)}` : 'n/a',
      (d.connectMs / 1000).toFixed(1),
      r.state !== 'ok' ? `${r.state}: ${r.error ?? ''}` : d.keepingUp ? 'yes' : `**no**: ${d.limitReason}`,
    ];
  });
  return table(header, rows);
}

/** Per protocol (and poll interval): the largest K that kept up and the smallest that did not. */
export function renderKeepingUp(runs: readonly RunRecord[]): string {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs)
    if (r.delivery)
      groups.set(`${rowName(r)} @ ${r.delivery.eventRate}/s`, [
        ...(groups.get(`${rowName(r)} @ ${r.delivery.eventRate}/s`) ?? []),
        r,
      ]);
  const rows: string[][] = [];
  for (const [name, rs] of groups) {
    const sorted = [...rs].sort((a, b) => a.delivery!.subscribers - b.delivery!.subscribers);
    const ok = sorted.filter((r) => r.state === 'ok' && r.delivery!.keepingUp);
    const bad = sorted.find((r) => !(r.state === 'ok' && r.delivery!.keepingUp));
    rows.push([
      name,
      ok.length ? int(ok[ok.length - 1]!.delivery!.subscribers) : 'none measured',
      bad ? int(bad.delivery!.subscribers) : `not reached (largest K ${int(sorted[sorted.length - 1]!.delivery!.subscribers)})`,
      bad ? (bad.state !== 'ok' ? `${bad.state}: ${bad.error ?? ''}` : (bad.delivery!.limitReason ?? '')) : '',
    ]);
  }
  return table(['protocol', 'kept up to K', 'stopped keeping up at K', 'because'], rows);
}

/** Per event rate: mean delivery latency and bytes per event, against the leanest push transport. */
export function renderPollingVsPush(runs: readonly RunRecord[]): string {
  const ok = runs.filter((r) => r.state === 'ok' && r.delivery && r.delivery.bytesPerEvent && r.latencyUs);
  const rates = [...new Set(ok.map((r) => `${r.delivery!.subscribers}|${r.delivery!.eventRate}`))];
  const parts: string[] = [];
  for (const key of rates) {
    const [k, rate] = key.split('|').map(Number) as [number, number];
    const rs = ok.filter((r) => r.delivery!.subscribers === k && r.delivery!.eventRate === rate);
    const total = (r: RunRecord): number => r.delivery!.bytesPerEvent!.in + r.delivery!.bytesPerEvent!.out;
    const push = rs.filter((r) => r.protocol === 'websocket' || r.protocol === 'sse');
    if (push.length === 0 || !rs.some((r) => r.delivery!.polls)) continue;
    const best = push.reduce((a, b) => (total(a) <= total(b) ? a : b));
    const rows = rs.map((r) => [
      rowName(r),
      ms(r.latencyUs!.mean),
      ms(r.latencyUs!.p99),
      int(total(r)),
      `${(total(r) / total(best)).toFixed(1)}x`,
    ]);
    parts.push(
      `K = ${int(k)}, ${rate} events/s (bytes against ${best.protocol}):\n\n${table(['protocol', 'mean ms', 'p99 ms', 'B/event both ways', 'bytes vs push'], rows)}`,
    );
  }
  return parts.join('\n\n');
}

export function renderFanoutReport(result: BenchResult, resultPath?: string): string {
  const runs = result.runs;
  const out = [`## fanout: ${result.description}`, '', renderFanoutTable(runs), ''];
  if (new Set(runs.map((r) => r.delivery?.subscribers)).size > 1 || runs.some((r) => r.delivery && !r.delivery.keepingUp)) {
    out.push('### Where each protocol stopped keeping up', '', renderKeepingUp(runs), '');
  }
  const vs = renderPollingVsPush(runs);
  if (vs) out.push('### Polling against push', '', vs, '');
  const first = runs.find((r) => r.delivery)?.delivery;
  if (first) out.push(`Clock: ${first.clock}.`, '');
  for (const n of result.notes) out.push(`- ${n}`);
  if (resultPath) out.push('', `Result file: ${resultPath}`);
  return out.join('\n');
}

export const fanoutOutput: OutputEntry<false> = {
  description: 'the fanout report (Markdown): delivery per run, where each protocol stopped keeping up, polling against push',
  summary: false,
  create: () => endOnly(renderFanoutReport),
};
