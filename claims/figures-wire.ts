// Observations for the header-dependent claims from the wire check's figures (claims/checks-wire.ts):
// pure, so they are tested on fixed figures. A claim that names its client (the guide's "~950 B
// with HTTP/1.1 headers" names Content-Type and Authorization) is decided on that profile; one that
// names none must hold for the minimal and the typical API client alike (decide() labels).
import { fmt, type Observation } from './decide.ts';
import { acrossConditions } from './figures.ts';
import { PROFILES, profile, type ProfileId } from './client-profiles.ts';
import type { WireFigure, WireFigures } from './checks-wire.ts';
import type { CheckResult } from './observe.ts';

const total = (w: WireFigure): number => w.out + w.in;
const overhead = (w: WireFigure): number => total(w) - w.payload;
/** Both protocols with the same client: browsers do not speak gRPC, so the browser profile is REST only. */
const BOTH: ProfileId[] = ['minimal', 'api'];

function one(
  figures: WireFigures,
  id: ProfileId,
  f: (rest: WireFigure, grpc: WireFigure | null) => number | null,
  unit: string,
): Observation {
  const p = figures[id];
  const x = p ? f(p.rest, p.grpc) : null;
  if (x === null || !Number.isFinite(x)) return { samples: [], unit, unavailable: `no ${profile(id).label} figure` };
  // Byte counts over the same calls repeat to the byte: no noise margin applies.
  return { samples: [x], unit, exact: true };
}

/** The bytes behind every verdict: REST (and gRPC) B/call per profile. */
function bytesLine(figures: WireFigures): string {
  return PROFILES.map((p) => {
    const f = figures[p.id];
    if (!f) return `${p.label}: n/a`;
    const g = f.grpc ? `, gRPC ${fmt(total(f.grpc))} B (${fmt(f.grpc.out)} out + ${fmt(f.grpc.in)} in)` : '';
    return `${p.label}: REST ${fmt(total(f.rest))} B/call (${fmt(f.rest.out)} out + ${fmt(f.rest.in)} in)${g}`;
  }).join('; ');
}

function across(
  figures: WireFigures,
  f: (rest: WireFigure, grpc: WireFigure) => number,
  unit: string,
  detail: string,
): Observation {
  return acrossConditions(
    BOTH.map((id) => ({ label: profile(id).label, obs: one(figures, id, (r, g) => (g ? f(r, g) : null), unit) })),
    `${detail}; measured at the socket, ${bytesLine(figures)}`,
  );
}

export function wireObservations(figures: WireFigures): CheckResult {
  const api = profile('api');
  return {
    // "~950 B with HTTP/1.1 headers (Content-Type, Authorization, etc.)": the typical API client.
    rest950: {
      ...one(figures, 'api', (r) => total(r), 'B'),
      detail:
        `decided on the ${api.label} (${Object.keys(api.rest).join(', ')}), the headers the guide names; ` + bytesLine(figures),
    },
    grpcSaving: across(figures, (r, g) => 1 - total(g) / total(r), 'share', '1 - gRPC bytes / REST bytes, same client on both'),
    wireRatio: across(figures, (r, g) => total(r) / total(g), 'x', 'REST bytes / gRPC bytes per call'),
    overheadRatio: across(
      figures,
      (r, g) => overhead(r) / overhead(g),
      'x',
      `overhead (wire minus payload) B/call: ${BOTH.map((id) => {
        const f = figures[id];
        return f?.grpc ? `${profile(id).label} REST ${fmt(overhead(f.rest))}, gRPC ${fmt(overhead(f.grpc))}` : `${id}: n/a`;
      }).join('; ')}`,
    ),
    grpcWire: across(figures, (_r, g) => total(g), 'B', 'gRPC wire bytes per GetUser, both ways, warm HTTP/2 session'),
    savingsGb: across(
      figures,
      (r, g) => ((total(r) - total(g)) * 1e6 * 30) / 1e9,
      'GB',
      '(REST - gRPC bytes per call) x 1M calls/day x 30 days; ' +
        "the guide's own arithmetic (900 MB x 30 = 27 GB) is consistent with its 950 and 50 B",
    ),
  };
}
