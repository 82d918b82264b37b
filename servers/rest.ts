// REST over HTTP/1.1 with fastify: GET /v1/users/:id -> the user as JSON, 404 for unknown ids.
import Fastify from 'fastify';
import type { StartServer } from './types.ts';

export const start: StartServer = async ({ host, port, store }) => {
  const app = Fastify({ logger: false, keepAliveTimeout: 65_000 });

  app.get<{ Params: { id: string } }>('/v1/users/:id', async (req, reply) => {
    const id = Number(req.params.id);
    const user = Number.isInteger(id) ? store.getUser(id) : undefined;
    if (!user) return reply.code(404).send({ error: 'not_found', message: `no user with id ${req.params.id}` });
    return user;
  });

  // Calibration only: fastify's hello-world, the ceiling getUser is compared against.
  app.get('/v1/hello', async () => ({ hello: 'world' }));

  await app.listen({ host, port });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('fastify did not bind a TCP port');
  return { port: address.port, close: () => app.close() };
};
