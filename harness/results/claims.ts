// Claims verdicts: one entry per claim checked against a result (which guide made it, what was
// measured, and whether it held). They come from a claims file (`--claims FILE`) or, later, from a
// `claims` array in the result itself; the reports render them only when present.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ClaimsReadError } from '../errors.ts';

export const claimSchema = z.object({
  ref: z.string(),
  claim: z.string(),
  guide: z.string(),
  // Measured figures are written by people and tools alike: a number, or a sentence with units.
  measured: z.union([z.string(), z.number(), z.boolean(), z.null()]),
  verdict: z.string(),
});
export type Claim = z.infer<typeof claimSchema>;

/** A claims file is either the array itself or an object with a `claims` array. */
export const claimsFileSchema = z.union([
  z.array(claimSchema),
  z.object({ claims: z.array(claimSchema) }).transform((o) => o.claims),
]);

export function readClaims(p: string): Claim[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(p, 'utf8'));
  } catch (err) {
    throw new ClaimsReadError(`cannot read claims file ${p}: ${(err as Error).message}`);
  }
  const checked = claimsFileSchema.safeParse(data);
  if (!checked.success) {
    const first = checked.error.issues.slice(0, 5).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    throw new ClaimsReadError(
      `${p} is not a claims file (an array of {ref, claim, guide, measured, verdict}): ${first.join('; ')}`,
    );
  }
  return checked.data;
}

/** Claims carried by the result itself, if its schema has grown a `claims` array; else none. */
export function claimsInResult(result: object): Claim[] {
  const carried = (result as { claims?: unknown }).claims;
  if (carried === undefined) return [];
  const checked = z.array(claimSchema).safeParse(carried);
  return checked.success ? checked.data : [];
}

export type VerdictTone = 'pass' | 'fail' | 'neutral';

/** Colour a verdict without fixing its vocabulary: the usual words for "held" and "did not hold". */
export function verdictTone(verdict: string): VerdictTone {
  const v = verdict.trim().toLowerCase();
  if (/^(holds?|held|confirmed|true|pass(ed)?|yes|supported|ok)\b/.test(v)) return 'pass';
  if (/^(fails?|failed|refuted|false|no|contradicted|does not hold|not supported|wrong)\b/.test(v)) return 'fail';
  return 'neutral';
}

export function formatMeasured(m: Claim['measured']): string {
  return m === null ? 'n/a' : String(m);
}

const mdCell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** Markdown table of the verdicts; empty string when there are none. */
export function renderClaimsMarkdown(claims: readonly Claim[]): string {
  if (claims.length === 0) return '';
  const lines = ['### Claims', '', '| ref | claim | guide | measured | verdict |', '| --- | --- | --- | --- | --- |'];
  for (const c of claims)
    lines.push(`| ${[c.ref, c.claim, c.guide, formatMeasured(c.measured), c.verdict].map(mdCell).join(' | ')} |`);
  return lines.join('\n');
}
