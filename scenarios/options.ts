// A scenario's own options: a zod schema (defaults, limits, descriptions) and the flags that set
// them, declared in the scenario's file. The functions below turn every scenario's declarations
// into what the rest of the harness needs (parseArgs options, help lines, a config layer, the
// config schema), so adding a knob is an edit to one scenario file and nothing else.
import { z } from 'zod';
import { UsageError } from '../harness/errors.ts';

/** How a flag's text becomes the option's value (zod checks the value afterwards). */
export type FlagParser = (text: string, flag: string) => unknown;

export const parseNumber: FlagParser = (text, flag) => {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} expects a number, got "${text}"`);
  return n;
};

/** `5` -> 5, `1,10,100` -> [1, 10, 100]: a list runs each value (fanout sweeps). */
export const parseNumberList: FlagParser = (text, flag) => {
  const xs = text.split(',').map((x) => parseNumber(x, flag));
  return xs.length === 1 ? xs[0] : xs;
};

export interface FlagDeclaration {
  /** Flag name without the dashes: 'page-size'. */
  flag: string;
  help: string;
  /** Default: a number. */
  parse?: FlagParser;
}

export interface ScenarioOptions<S extends z.ZodObject = z.ZodObject> {
  schema: S;
  /** Flags by the option they set. */
  flags: Readonly<Partial<Record<string, FlagDeclaration>>>;
}

export function defineOptions<S extends z.ZodObject>(
  schema: S,
  flags: { [K in keyof z.input<S> & string]?: FlagDeclaration } = {},
): ScenarioOptions<S> {
  return { schema, flags };
}

/** The part of a scenario definition these functions read (scenarios/types.ts ScenarioDefinition). */
interface WithOptions {
  name: string;
  options?: ScenarioOptions;
}

/** One command-line flag and every (scenario, option) it sets: --page-size sets listUsers' and nPlusOne's. */
export interface OptionFlag {
  flag: string;
  /** The parser of the first declaration; scenarios sharing a flag share what its text means. */
  parse: FlagParser;
  sets: { scenario: string; key: string; help: string }[];
}

export function optionFlags(scenarios: Readonly<Record<string, WithOptions>>): OptionFlag[] {
  const byFlag = new Map<string, OptionFlag>();
  for (const s of Object.values(scenarios)) {
    for (const [key, f] of Object.entries(s.options?.flags ?? {})) {
      if (!f) continue;
      const known = byFlag.get(f.flag);
      const set = { scenario: s.name, key, help: f.help };
      if (known) known.sets.push(set);
      else byFlag.set(f.flag, { flag: f.flag, parse: f.parse ?? parseNumber, sets: [set] });
    }
  }
  return [...byFlag.values()];
}

/** For node:util parseArgs: every option flag takes a string (parsed by its declaration). */
export function parseArgsOptions(flags: readonly OptionFlag[]): Record<string, { type: 'string'; help: string }> {
  return Object.fromEntries(flags.map((f) => [f.flag, { type: 'string' as const, help: helpOf(f) }]));
}

/** `listUsers: users per page (default 100); nPlusOne: posts per request ...`: each scenario a flag sets, with its help. */
export function helpOf(f: OptionFlag): string {
  return f.sets.map((s) => `${s.scenario}: ${s.help}`).join('; ');
}

/** The config layer of the option flags given: { listUsers: { pageSize: 20 }, nPlusOne: { pageSize: 20 } }. */
export function optionsLayer(
  flags: readonly OptionFlag[],
  values: Readonly<Record<string, unknown>>,
): Record<string, Record<string, unknown>> | undefined {
  const layer: Record<string, Record<string, unknown>> = {};
  for (const f of flags) {
    const text = values[f.flag];
    if (typeof text !== 'string') continue;
    const value = f.parse(text, f.flag);
    for (const { scenario, key } of f.sets) (layer[scenario] ??= {})[key] = value;
  }
  return Object.keys(layer).length ? layer : undefined;
}

/**
 * The config's `scenarios` block: each scenario with options validates its own, defaults filled
 * in, so a resolved config (and the result file) says every value a scenario ran with.
 */
export function scenarioOptionsSchema(scenarios: Readonly<Record<string, WithOptions>>): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const s of Object.values(scenarios)) if (s.options) shape[s.name] = s.options.schema.strict().prefault({});
  return z.object(shape).strict();
}

/** `--list` lines: each option with its default and description. */
export function describeOptions(options: ScenarioOptions | undefined): string[] {
  if (!options) return [];
  const defaults = options.schema.parse({}) as Record<string, unknown>;
  return Object.entries(options.schema.shape).map(([key, field]) => {
    const flag = options.flags[key]?.flag;
    const about = (field as z.ZodType).description ?? '';
    return `${key}${flag ? ` (--${flag})` : ''} = ${JSON.stringify(defaults[key])}${about ? `: ${about}` : ''}`;
  });
}
