// The result file's types, inferred from the zod schema in result-schema.ts (one source).
export { SCHEMA_VERSION } from './schema.ts';
export type {
  BenchResult,
  RunRecord,
  RunState,
  LatencySummary,
  Environment,
  LoadDescription,
  ProtocolSummary,
} from './schema.ts';
