// Load models as data: what the generator does, parsed from `--load` or the config file.
//   closed:CONNECTIONS[xINFLIGHT]  closed loop, maximum throughput
//   rate:OPS_PER_S                 open loop, constant arrival rate (wrk2)
//   poisson:OPS_PER_S              open loop, exponential inter-arrival times
//   stages:RATE@SECONDS,...        open loop, stepped rates (k6 ramping-arrival-rate, stepped)
import { z } from 'zod';
import { LoadSpecError } from '../errors.ts';

export const stageSchema = z.object({
  rate: z.number().positive().max(10_000_000).describe('calls per second'),
  durationS: z.number().positive().max(3600).describe('seconds'),
});

export const loadModelSchema = z.discriminatedUnion('model', [
  z
    .object({
      model: z.literal('closed'),
      connections: z.number().int().min(1).max(10_000).optional(),
      inflight: z.number().int().min(1).max(1000).optional(),
    })
    .strict(),
  z.object({ model: z.literal('rate'), rate: z.number().positive().max(10_000_000) }).strict(),
  z.object({ model: z.literal('poisson'), rate: z.number().positive().max(10_000_000) }).strict(),
  z.object({ model: z.literal('stages'), stages: z.array(stageSchema).min(1).max(100) }).strict(),
]);

export type LoadModel = z.infer<typeof loadModelSchema>;
export type OpenLoadModel = Exclude<LoadModel, { model: 'closed' }>;

const FORMS = 'closed:CONNECTIONS[xINFLIGHT], rate:OPS_PER_S, poisson:OPS_PER_S, stages:RATE@SECONDS[,RATE@SECONDS...]';

function positive(s: string | undefined, what: string, spec: string): number {
  const n = Number(s);
  if (s === undefined || s.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new LoadSpecError(`--load ${spec}: ${what} must be a positive number; forms: ${FORMS}`);
  return n;
}

/** Parse the command-line form. Pure; every malformed spec names the valid forms. */
export function parseLoadSpec(spec: string): LoadModel {
  const [kind, arg] = spec.split(/:(.*)/s, 2) as [string, string | undefined];
  switch (kind) {
    case 'closed': {
      const [c, i] = (arg ?? '').split('x');
      const connections = positive(c, 'CONNECTIONS', spec);
      const inflight = i === undefined ? undefined : positive(i, 'INFLIGHT', spec);
      if (!Number.isInteger(connections) || (inflight !== undefined && !Number.isInteger(inflight)))
        throw new LoadSpecError(`--load ${spec}: connections and in-flight calls are whole numbers; forms: ${FORMS}`);
      return inflight === undefined ? { model: 'closed', connections } : { model: 'closed', connections, inflight };
    }
    case 'rate':
    case 'poisson':
      return { model: kind, rate: positive(arg, 'OPS_PER_S', spec) };
    case 'stages': {
      const stages = (arg ?? '').split(',').map((part) => {
        const [r, d] = part.split('@');
        return { rate: positive(r, 'RATE', spec), durationS: positive(d?.replace(/s$/, ''), 'SECONDS', spec) };
      });
      return { model: 'stages', stages };
    }
    default:
      throw new LoadSpecError(`--load ${spec}: unknown load model "${kind}"; valid: ${FORMS}`);
  }
}

export function isOpenLoop(m: LoadModel): m is OpenLoadModel {
  return m.model !== 'closed';
}

/** Requested arrival rate over the measured window (stages: the time-weighted mean). */
export function requestedRate(m: OpenLoadModel): number {
  if (m.model !== 'stages') return m.rate;
  const total = m.stages.reduce((s, x) => s + x.durationS, 0);
  return m.stages.reduce((s, x) => s + x.rate * x.durationS, 0) / total;
}

export function describeLoad(m: LoadModel): string {
  switch (m.model) {
    case 'closed':
      return `closed loop, ${m.connections} connections x ${m.inflight} in flight`;
    case 'rate':
      return `open loop, constant ${m.rate} calls/s`;
    case 'poisson':
      return `open loop, Poisson arrivals at ${m.rate} calls/s`;
    case 'stages':
      return `open loop, stages ${m.stages.map((s) => `${s.rate}/s for ${s.durationS} s`).join(', ')}`;
  }
}
