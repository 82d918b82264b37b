// Every output by name, in one constructor map (as k6 wires its outputs). A new output is one
// file exporting an OutputEntry plus one line here; usage texts and `--format` checks read the names from this map.
import { csvOutput } from './csv.ts';
import { fanoutOutput } from './fanout-markdown.ts';
import { htmlOutput } from './html.ts';
import { jsonOutput } from './json.ts';
import { markdownOutput } from './markdown.ts';
import type { Output, OutputEntry, OutputParams } from './types.ts';

export const OUTPUTS = {
  md: markdownOutput,
  json: jsonOutput,
  csv: csvOutput,
  html: htmlOutput,
  fanout: fanoutOutput,
} as const satisfies Record<string, OutputEntry>;

export type OutputName = keyof typeof OUTPUTS;

export const OUTPUT_NAMES = Object.keys(OUTPUTS) as OutputName[];

export function isOutputName(x: string): x is OutputName {
  return Object.hasOwn(OUTPUTS, x);
}

/** The names whose entry says `summary: true`, as a type: what `npm run bench -- --format` accepts. */
export type SummaryOutputName = { [K in OutputName]: (typeof OUTPUTS)[K] extends OutputEntry<true> ? K : never }[OutputName];

export function createOutput(name: OutputName, params: OutputParams = {}): Output {
  return OUTPUTS[name].create(params);
}
