import { z } from 'zod';
import { SCHEMA_VERSION, benchResultSchema } from './schema.ts';

export const RESULT_SCHEMA_PATH = `results/schema/result-v${SCHEMA_VERSION}.schema.json`;

/** The JSON Schema of a result file as written (defaults filled in: the output side of zod). */
export function resultJsonSchema(): Record<string, unknown> {
  return {
    $id: `https://protocol-bench.invalid/result-v${SCHEMA_VERSION}.schema.json`,
    title: `protocol-bench result, schema version ${SCHEMA_VERSION}`,
    ...z.toJSONSchema(benchResultSchema, { io: 'output', unrepresentable: 'any' }),
  };
}
