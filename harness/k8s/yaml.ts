// A YAML writer for the manifests (issue 16, item 4): plain data (objects, arrays, strings, numbers,
// booleans) as block YAML, documents separated by `---`. Every string is written double-quoted as
// JSON writes it (a JSON string is a valid YAML double-quoted scalar), so no value can turn into a
// number, a boolean or a comment on the way; keys are bare when they are plain identifiers.
// Pure, and no dependency, so `npm run k8s` runs from a production install.

type Data = string | number | boolean | null | undefined | readonly Data[] | { readonly [k: string]: Data };

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_./-]*$/;

function key(k: string): string {
  return PLAIN_KEY.test(k) ? k : JSON.stringify(k);
}

function scalar(v: string | number | boolean | null): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`cannot write ${v} in a manifest`);
  return String(v);
}

function isEmptyContainer(v: Data): boolean {
  return Array.isArray(v) ? v.length === 0 : typeof v === 'object' && v !== null && Object.keys(v).length === 0;
}

/**
 * A script (several lines) reads best as a literal block. Only when the block means exactly the
 * string: no tab or CR, no trailing spaces, no leading space on its first line (YAML would take it
 * as the indentation), at most one final newline.
 */
function asBlock(s: string): boolean {
  return s.includes('\n') && !/[\t\r]|[ ]\n|[ ]$|\n\n$|^[ \n]/.test(s);
}

function blockLines(s: string, indent: string): string[] {
  return s
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => (l === '' ? '' : `${indent}  ${l}`));
}

/** Lines of one value at an indent; undefined fields are left out, as JSON.stringify does. */
function lines(v: Data, indent: string): string[] {
  if (Array.isArray(v)) {
    return (v as readonly Data[]).flatMap((item) => {
      if (item === undefined) return [];
      if (typeof item === 'string' && asBlock(item))
        return [`${indent}- |${item.endsWith('\n') ? '' : '-'}`, ...blockLines(item, indent)];
      if (typeof item !== 'object' || item === null || isEmptyContainer(item))
        return [`${indent}- ${isEmptyContainer(item) ? (Array.isArray(item) ? '[]' : '{}') : scalar(item as string)}`];
      // The first line of a nested block goes after the dash; the rest keep its indent.
      const [first, ...rest] = lines(item, `${indent}  `);
      return [`${indent}- ${first!.trimStart()}`, ...rest];
    });
  }
  if (typeof v === 'object' && v !== null) {
    return Object.entries(v).flatMap(([k, x]) => {
      if (x === undefined) return [];
      if (typeof x === 'string' && asBlock(x))
        return [`${indent}${key(k)}: |${x.endsWith('\n') ? '' : '-'}`, ...blockLines(x, indent)];
      if (typeof x !== 'object' || x === null) return [`${indent}${key(k)}: ${scalar(x)}`];
      if (isEmptyContainer(x)) return [`${indent}${key(k)}: ${Array.isArray(x) ? '[]' : '{}'}`];
      return [`${indent}${key(k)}:`, ...lines(x, `${indent}  `)];
    });
  }
  return [`${indent}${scalar(v as string | number | boolean | null)}`];
}

/** Documents as one YAML stream, each after `---`; `comments` go first, each line as `# ...`. */
export function toYaml(docs: readonly object[], comments: readonly string[] = []): string {
  const head = comments.map((c) => (c ? `# ${c}` : '#'));
  const body = docs.flatMap((d) => ['---', ...lines(d as Data, '')]);
  return [...head, ...body].join('\n') + '\n';
}
