// The rows of a request/response run, planned from the resolved config before anything starts:
// the scenario's protocols (each server implementation asked for, and each variant, its own row),
// repeats interleaved A B C A B C, a sweep in place of a single run when --sweep is on, and the
// autocannon cross-check row. Pure.
import type { ResolvedConfig } from '../config.ts';
import { PROTOCOLS, driverRow, isProtocolName, type DriverName, type ProtocolName } from '../protocols.ts';
import { SERVERS } from '../../servers/registry.ts';
import { implementationsFor, type ServerTable } from '../run/implementations.ts';
import type { Transport } from '../load/layout.ts';
import { SCENARIOS, SCENARIO_NAMES } from '../../scenarios/registry.ts';
import { AUTOCANNON_PROTOCOLS } from '../load/autocannon.ts';
import { describePinning, type Pinning } from '../procs/control.ts';
import { UsageError } from '../errors.ts';

export interface RequestResponseRow {
  protocol: ProtocolName;
  /** The server implementation (`--impl`) when it is not the server's reference; unset: the reference. */
  implementation?: string;
  /** The scenario's variant of the protocol (REST 'offset' / 'cursor', ...). */
  variant?: string;
  /** Round of the interleaved repeats, 0-based. */
  repeat: number;
  /** First row of its round (the round is announced). */
  firstOfRound: boolean;
  /**
   * measure: one run (the session reruns it when the machine was disturbed); sweep: the
   * closed-loop maximum, then open-loop steps at fractions of it; autocannon: the cross-check.
   */
  kind: 'measure' | 'sweep' | 'autocannon';
}

/** The protocols a run covers: those asked for, which the scenario must be able to express. */
export function protocolsFor(cfg: ResolvedConfig): ProtocolName[] {
  const scenario = SCENARIOS[cfg.scenario];
  if (!scenario) throw new UsageError(`unknown scenario "${cfg.scenario}"; valid: ${SCENARIO_NAMES.join(', ')}`);
  const wanted = (cfg.protocols ?? scenario.protocols) as ProtocolName[];
  const cannot = wanted.filter((p) => !scenario.protocols.includes(p));
  if (cannot.length)
    throw new UsageError(
      `scenario ${scenario.name} cannot be expressed on ${cannot.join(', ')}; it runs on ${scenario.protocols.join(', ')}`,
    );
  return wanted;
}

/**
 * How a row's client carries concurrent calls (it picks the row's layout): autocannon speaks
 * HTTP/1.1; a scenario's own client says where it differs from its protocol row; else the row.
 */
export function rowTransport(
  scenario: string,
  name: DriverName,
  variant: string | undefined,
  driver: 'harness' | 'autocannon' = 'harness',
): Transport {
  if (driver === 'autocannon') return 'http1';
  const own = isProtocolName(name) ? SCENARIOS[scenario]?.clientTransport?.(name, variant) : undefined;
  return own ?? driverRow(name).transport;
}

/** A protocol row's implementations, the reference as undefined (issue 14). */
type RowImplementations = { protocol: ProtocolName; implementations: (string | undefined)[] };

/**
 * Per protocol, the server implementations its rows run on (harness/run/implementations.ts),
 * and notes naming those asked for that the scenario cannot express. A name asked for by name
 * that the scenario cannot express is the caller's to fix, as an inexpressible protocol is; an
 * external target is one server, whatever was asked: its row runs once.
 */
export function implementationsOfRows(
  cfg: ResolvedConfig,
  servers: ServerTable = SERVERS,
): { rows: RowImplementations[]; notes: string[] } {
  const scenario = SCENARIOS[cfg.scenario];
  const notes: string[] = [];
  const cannot: string[] = [];
  const rows = protocolsFor(cfg).map((protocol): RowImplementations => {
    if (cfg.targets?.[protocol]) return { protocol, implementations: [undefined] };
    const server = PROTOCOLS[protocol].server;
    const choice = implementationsFor(server, cfg.implementations, scenario?.implementations, servers);
    for (const s of choice.skipped) {
      const line = `${protocol} · ${s.name} not run: scenario ${cfg.scenario} ${s.reason}`;
      (cfg.implementations === 'all' ? notes : cannot).push(line);
    }
    const reference = servers[server]?.implementations[0]?.name;
    return { protocol, implementations: choice.run.map((i) => (i.name === reference ? undefined : i.name)) };
  });
  if (cannot.length) throw new UsageError(`${cannot.join('\n')}\n(--impl all runs each row on what it can express)`);
  return { rows, notes };
}

export function planRequestResponse(cfg: ResolvedConfig, servers: ServerTable = SERVERS): RequestResponseRow[] {
  const scenario = SCENARIOS[cfg.scenario];
  const pairs = implementationsOfRows(cfg, servers).rows.flatMap(({ protocol: p, implementations }) =>
    implementations.flatMap((impl) => (scenario?.variants?.[p] ?? [undefined]).map((v) => [p, v, impl] as const)),
  );
  const rows: RequestResponseRow[] = [];
  // Interleaved repeats (A B C A B C): slow drift of a shared machine spreads over every row
  // instead of landing on whichever protocol happened to run during it.
  for (let repeat = 0; repeat < cfg.repeat; repeat++) {
    for (const [i, [protocol, variant, implementation]] of pairs.entries()) {
      const common = { protocol, repeat, ...(implementation !== undefined && { implementation }) };
      rows.push({
        ...common,
        ...(variant !== undefined && { variant }),
        firstOfRound: i === 0,
        kind: cfg.sweep ? 'sweep' : 'measure',
      });
      if (cfg.driver === 'autocannon' && AUTOCANNON_PROTOCOLS.includes(protocol))
        rows.push({ ...common, firstOfRound: false, kind: 'autocannon' });
    }
  }
  return rows;
}

export function describeRequestResponsePlan(cfg: ResolvedConfig, rows: readonly RequestResponseRow[], pinning: Pinning): string {
  // Protocol rows of one round (the autocannon cross-checks are not counted, as before).
  const total = rows.filter((r) => r.repeat === 0 && r.kind !== 'autocannon').length;
  const seconds = Math.ceil(cfg.repeat * total * (cfg.warmup + cfg.duration + 2));
  return (
    `scenario ${cfg.scenario}: ${total} protocol(s)${cfg.repeat > 1 ? ` x ${cfg.repeat} repeats` : ''}, ~${seconds} s; ` +
    describePinning(pinning, 'generator') +
    implementationsOfRows(cfg)
      .notes.map((n) => `\n${n}`)
      .join('')
  );
}
