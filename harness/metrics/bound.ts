/** A side is saturated when it used at least this share of a core (Node serves on one thread). */
export const SATURATED_CORES = 0.85;

/**
 * Which side limited a closed-loop run. Generator-bound when the generator was near a full
 * core (or, with several workers, near all the cores they could use) while the server was not:
 * then the throughput is the generator's, not the server's. 'both' when each side was near
 * its core (they are pinned apart): the figure cannot be called the server's, because a
 * faster generator might have got more out of it (autocannon against fastify does this here).
 */
export function classifyBound(
  serverCores: number | null,
  clientCores: number | null,
  generatorCapacity = 1,
): 'server' | 'generator' | 'both' | 'neither' | 'unknown' {
  if (clientCores === null) return 'unknown';
  const generatorFull = clientCores >= SATURATED_CORES * generatorCapacity;
  if (serverCores === null) return generatorFull ? 'generator' : 'unknown';
  const serverFull = serverCores >= SATURATED_CORES;
  if (serverFull && generatorFull) return 'both';
  if (serverFull) return 'server';
  if (generatorFull) return 'generator';
  return 'neither';
}

/** A run whose throughput may be the generator's limit rather than the server's. */
export function limitedByGenerator(bound: ReturnType<typeof classifyBound>): boolean {
  return bound === 'generator' || bound === 'both';
}

/** Per-operation figure, or null when either side is unknown or no operation completed. */
export function perOp(total: number | null, ops: number): number | null {
  if (total === null || ops <= 0) return null;
  return total / ops;
}
