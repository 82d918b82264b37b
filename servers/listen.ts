import type { Server } from 'node:net';

/** Listen on host:port (0 = any free port) and resolve with the port actually bound. */
export async function listenOn(server: Server, host: string, port: number, name: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error(`${name} server did not bind a TCP port`);
  return address.port;
}
