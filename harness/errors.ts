// Every error the harness raises on purpose, defined once (as fastify's errors.js does). An
// InputError is the caller's to fix (a flag, the config, a result file, a claims file): the
// command prints its message alone and exits 2. Anything else is the harness's or the
// machine's: printed with its stack, exit 1.

/** Base of every error a caller can fix by changing what they gave: exit status 2. */
export class InputError extends Error {
  readonly exitCode = 2;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A command-line flag or argument is missing, unknown or malformed. */
export class UsageError extends InputError {}

/** The configuration (file and flags together) is invalid; every problem is listed at once. */
export class ConfigError extends InputError {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** A `--load` spec or config load model does not parse. */
export class LoadSpecError extends InputError {}

/** A threshold expression in the config does not parse. */
export class ThresholdError extends InputError {}

/** A result file cannot be read, parsed or validated. */
export class ResultReadError extends InputError {}

/** A claims file cannot be read or validated. */
export class ClaimsReadError extends InputError {}

/** Two results cannot be compared (different scenarios, no common rows). */
export class CompareInputError extends InputError {}

/** Result files cannot be merged (different scenarios or targets, nothing to merge). */
export class MergeError extends InputError {}

/** The pinned copy of the guide does not match the one in shared/. */
export class GuideError extends InputError {}

/**
 * A server's answers differ from the store's (TechEmpower's verify step): the row is not
 * measured. Not an InputError: the server under test is wrong, not the caller's flags.
 */
export class EquivalenceError extends Error {}

/** The HPACK decoder met a header block it cannot decode (a protocol error of the peer). */
export class HpackError extends Error {}

/** Exit status for an error: 2 for the caller's input, 1 for everything else. */
export function exitCodeOf(err: unknown): 1 | 2 {
  return err instanceof InputError ? 2 : 1;
}
