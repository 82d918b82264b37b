// A tiny JSON Schema validator for the subset servers/rest-contract.ts uses (object with
// required / additionalProperties: false / properties, array with maxItems / items, string with
// min/maxLength / pattern, integer with minimum / maximum), so the node:http REST server checks
// bodies by the same rules as fastify without loading ajv. It answers as fastify's ajv does with
// allErrors off: the first error only, in ajv's keyword order, in fastify's words
// ("body/age must be integer"). The schema is compiled once into closures; a valid body allocates nothing.

export type CheckSchema =
  | {
      readonly type: 'object';
      readonly required?: readonly string[];
      readonly additionalProperties?: false;
      readonly properties: Readonly<Record<string, CheckSchema>>;
    }
  | { readonly type: 'array'; readonly maxItems?: number; readonly items: CheckSchema }
  | { readonly type: 'string'; readonly minLength?: number; readonly maxLength?: number; readonly pattern?: string }
  | { readonly type: 'integer'; readonly minimum?: number; readonly maximum?: number };

/** The first fault found: where (JSON pointer segments, outermost first) and what, in ajv's words. */
interface Fault {
  path: (string | number)[];
  message: string;
}

type Check = (value: unknown) => Fault | null;

const fault = (message: string): Fault => ({ path: [], message });

/** Prefix a fault from a child value with the child's key (faults are rare, so built on the way out). */
function within(key: string | number, f: Fault | null): Fault | null {
  if (f) f.path.unshift(key);
  return f;
}

/** ajv counts string length in code points (ucs2length), not UTF-16 units. */
function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

function compileString(s: Extract<CheckSchema, { type: 'string' }>): Check {
  // ajv 8 compiles patterns with the u flag.
  const re = s.pattern === undefined ? undefined : new RegExp(s.pattern, 'u');
  const { minLength, maxLength } = s;
  return (v) => {
    if (typeof v !== 'string') return fault('must be string');
    // UTF-16 length bounds code points from above, so the exact count is needed only past maxLength.
    if (maxLength !== undefined && v.length > maxLength && codePoints(v) > maxLength)
      return fault(`must NOT have more than ${maxLength} characters`);
    if (minLength !== undefined && (v.length < minLength || codePoints(v) < minLength))
      return fault(`must NOT have fewer than ${minLength} characters`);
    if (re && !re.test(v)) return fault(`must match pattern "${s.pattern}"`);
    return null;
  };
}

function compileInteger(s: Extract<CheckSchema, { type: 'integer' }>): Check {
  const { minimum, maximum } = s;
  return (v) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) return fault('must be integer');
    if (maximum !== undefined && v > maximum) return fault(`must be <= ${maximum}`);
    if (minimum !== undefined && v < minimum) return fault(`must be >= ${minimum}`);
    return null;
  };
}

function compileArray(s: Extract<CheckSchema, { type: 'array' }>): Check {
  const item = compile(s.items);
  const { maxItems } = s;
  return (v) => {
    if (!Array.isArray(v)) return fault('must be array');
    if (maxItems !== undefined && v.length > maxItems) return fault(`must NOT have more than ${maxItems} items`);
    for (let i = 0; i < v.length; i++) {
      const f = item(v[i]);
      if (f) return within(i, f);
    }
    return null;
  };
}

function compileObject(s: Extract<CheckSchema, { type: 'object' }>): Check {
  const required = s.required ?? [];
  const closed = s.additionalProperties === false;
  const known = new Set(Object.keys(s.properties));
  const props = Object.entries(s.properties).map(([k, p]) => [k, compile(p)] as const);
  return (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fault('must be object');
    const o = v as Record<string, unknown>;
    // ajv's order: required (in the schema's order), additionalProperties, then each property.
    for (const k of required) if (o[k] === undefined) return fault(`must have required property '${k}'`);
    if (closed) for (const k in o) if (!known.has(k)) return fault('must NOT have additional properties');
    for (const [k, check] of props) {
      if (o[k] === undefined) continue;
      const f = check(o[k]);
      if (f) return within(k, f);
    }
    return null;
  };
}

function compile(s: CheckSchema): Check {
  switch (s.type) {
    case 'object':
      return compileObject(s);
    case 'array':
      return compileArray(s);
    case 'string':
      return compileString(s);
    case 'integer':
      return compileInteger(s);
  }
}

/**
 * A checker for `schema`: null for a valid value, else fastify's message for the first fault,
 * `${dataVar}${instancePath} ${message}` ("body/address/city must be string").
 */
export function compileCheck(schema: CheckSchema, dataVar = 'body'): (value: unknown) => string | null {
  const check = compile(schema);
  return (value) => {
    const f = check(value);
    if (!f) return null;
    const pointer = f.path.map((k) => `/${String(k).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
    return `${dataVar}${pointer} ${f.message}`;
  };
}
