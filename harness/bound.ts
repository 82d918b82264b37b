/** A side is saturated when it used at least this share of a core (Node serves on one thread). */
export const SATURATED_CORES = 0.85;

/**
 * Which side limited a closed-loop run. Generator-bound when the generator was near a full
 * core (or, with several workers, near all the cores they could use) while the server was not:
 * then the throughput is the generator's, not the server's.
 */
export function classifyBound(serverCores: number | null, clientCores: number | null, generatorCapacity = 1): 'server' | 'generator' | 'neither' | 'unknown' {
  if (clientCores === null) return 'unknown';
  const generatorFull = clientCores >= SATURATED_CORES * generatorCapacity;
  if (serverCores === null) return generatorFull ? 'generator' : 'unknown';
  if (serverCores >= SATURATED_CORES) return 'server';
  if (generatorFull) return 'generator';
  return 'neither';
}

/** Per-operation figure, or null when either side is unknown or no operation completed. */
export function perOp(total: number | null, ops: number): number | null {
  if (total === null || ops <= 0) return null;
  return total / ops;
}
