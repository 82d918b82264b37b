// GitHub Actions' job summary: when GITHUB_STEP_SUMMARY names a file, the Markdown a command
// prints is appended to it (bench, compare, bench:ci), so the job page shows it without digging
// through the log. Appended, never overwritten: other steps of the job write there too.
import { appendFileSync } from 'node:fs';

export const STEP_SUMMARY_ENV = 'GITHUB_STEP_SUMMARY';

/** Appends the Markdown when the variable is set; returns the file written, or undefined. A failure warns, never fails. */
export function appendStepSummary(
  markdown: string,
  env: NodeJS.ProcessEnv = process.env,
  warn: (message: string) => void = (m) => console.error(m),
): string | undefined {
  const file = env[STEP_SUMMARY_ENV];
  if (!file) return undefined;
  try {
    // A blank line after, so the next step's Markdown starts a new block.
    appendFileSync(file, `${markdown.trimEnd()}\n\n`);
    return file;
  } catch (err) {
    warn(`warning: could not append the summary to ${STEP_SUMMARY_ENV}=${file}: ${(err as Error).message}`);
    return undefined;
  }
}

/** The environment for a child command whose own summary must not land in the job summary (bench:ci's runs). */
export function withoutStepSummary(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { [STEP_SUMMARY_ENV]: _omitted, ...rest } = env;
  return rest;
}
