// `npm run schema`: writes the result file's JSON Schema, generated from the zod schema.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resultJsonSchema, RESULT_SCHEMA_PATH } from '../results/json-schema.ts';
import { exitOnVersion } from '../run/version.ts';

exitOnVersion(); // --version, as on every command

const file = fileURLToPath(new URL(`../../${RESULT_SCHEMA_PATH}`, import.meta.url));
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(file, JSON.stringify(resultJsonSchema(), null, 2) + '\n');
console.log(`wrote ${RESULT_SCHEMA_PATH}`);
