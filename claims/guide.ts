// The guide and its claims reference live in the shared folder beside the project
// (../shared), with a pinned copy in claims/source: read them, and take the guide's examples out
// of it by line range, so a finding such as "this .proto does not compile" is about the text
// the guide really prints, not a copy that could drift from it.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GuideError } from '../harness/errors.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
// A pinned copy travels with the repository (claims/source/) so a clone anywhere can check the
// claims; the shared folder beside the project wins when present, and a test checks that the
// copy has not drifted from it.
export const VENDORED_DIR = path.join(ROOT, 'claims/source');
export const SHARED_DIR = path.resolve(ROOT, '../shared');
const SHARED =
  process.env.CLAIMS_SHARED_DIR ??
  (existsSync(path.join(SHARED_DIR, 'guide/000_70c2946110ebaf33.txt')) ? SHARED_DIR : VENDORED_DIR);
export const GUIDE_PATH = path.join(SHARED, 'guide/000_70c2946110ebaf33.txt');
export const REFERENCE_PATH = path.join(SHARED, 'claims-reference.yaml');

let lines: string[] | undefined;
export function guideLines(): string[] {
  if (!lines) {
    if (!existsSync(GUIDE_PATH))
      throw new GuideError(
        `the guide is not at ${GUIDE_PATH} (set CLAIMS_SHARED_DIR to the folder holding guide/ and claims-reference.yaml)`,
      );
    lines = readFileSync(GUIDE_PATH, 'utf8').split('\n');
  }
  return lines;
}

/**
 * Lines `from`..`to` (1-based, inclusive) of the guide, joined with "\n". `first` is the text
 * the first line must start with (after indentation): a guard that the range still points at
 * the example it was written for, so an edited guide fails loudly instead of being misread.
 */
export function guideText(from: number, to: number, first: string): string {
  const all = guideLines();
  if (from < 1 || to > all.length || from > to)
    throw new GuideError(`guide lines ${from}-${to} are out of range (1-${all.length})`);
  const head = all[from - 1] ?? '';
  if (!head.trimStart().startsWith(first)) {
    throw new GuideError(
      `guide line ${from} should start with ${JSON.stringify(first)} but reads ${JSON.stringify(head.slice(0, 80))}`,
    );
  }
  return all.slice(from - 1, to).join('\n');
}
