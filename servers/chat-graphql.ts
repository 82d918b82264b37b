// chat scenario on GraphQL: a `chat(room)` subscription and a `sendMessage` mutation, both
// served over graphql-ws (the graphql-transport-ws protocol) on the GraphQL server's own
// port and path, so a client carries its subscription and its mutations on one socket.
// Only attached when the server is started with `chat: true` (ServerTuning): the HTTP POST
// path (getUser and the other scenarios) keeps its own schema and plugins untouched. The
// socket's schema is the contract's schema plus these types; graphql-ws executes with
// graphql-js directly, as the fanout scenario's graphql-ws server does (yoga's depth and
// complexity plugins are not on this path; the chat operations are flat).
import type http from 'node:http';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { GraphQLError, parse, validate, type DocumentNode } from 'graphql';
import { createPubSub, createSchema } from 'graphql-yoga';
import { relayOf, type ChatJson } from './chat.ts';

export const CHAT_SDL = /* GraphQL */ `
  type ChatMessage {
    seq: Int!
    from: String!
    text: String!
    sentAtUs: Float!
  }

  extend type Mutation {
    "chat: relay a message to the room's subscribers; answers the seq it accepted"
    sendMessage(room: ID!, seq: Int!, text: String!, sentAtUs: Float): Int!
  }

  type Subscription {
    "chat: every message sent to room from the moment of subscribing"
    chat(room: ID!): ChatMessage!
  }
`;

/** Distinct query texts kept parsed and validated (oldest dropped first). */
const DOCUMENT_CACHE = 100;

export interface ChatAttachment {
  close(): Promise<void>;
}

/**
 * Serve the chat operations over graphql-ws on `server` at `path`. `typeDefs`/`resolvers` are
 * the main schema's, so the socket answers the contract's queries too.
 */
type Resolvers = Extract<Exclude<Parameters<typeof createSchema>[0]['resolvers'], undefined>, { length?: never }>;

export function attachChat(server: http.Server, path: string, typeDefs: string, resolvers: Resolvers): ChatAttachment {
  const pubSub = createPubSub<{ chat: [room: string, message: ChatJson] }>();
  const schema = createSchema({
    typeDefs: [typeDefs, CHAT_SDL],
    resolvers: [
      resolvers,
      {
        Mutation: {
          sendMessage: (_: unknown, args: { room: string; seq: number; text: string; sentAtUs?: number | null }) => {
            const relay = relayOf({ seq: args.seq, text: args.text, sentAtUs: args.sentAtUs ?? undefined });
            if (typeof relay === 'string') throw new GraphQLError(relay, { extensions: { code: 'BAD_USER_INPUT' } });
            pubSub.publish('chat', args.room, relay);
            return relay.seq;
          },
        },
        Subscription: {
          chat: {
            subscribe: (_: unknown, args: { room: string }) => pubSub.subscribe('chat', args.room),
            resolve: (m: ChatJson) => m,
          },
        },
      },
    ],
  });
  const wss = new WebSocketServer({ server, path, perMessageDeflate: false });
  // graphql-ws parses and validates every subscribe message's query by default; yoga caches
  // both on the HTTP path, and a chat client sends the same mutation text per message, so a
  // cache here keeps the GraphQL row's per-message work what a yoga deployment does.
  const documents = new Map<string, DocumentNode | readonly GraphQLError[]>();
  const disposable = useServer(
    {
      schema,
      onSubscribe: (_ctx, _id, payload) => {
        let doc = documents.get(payload.query);
        if (!doc) {
          try {
            const parsed = parse(payload.query, { maxTokens: 1000 }); // the HTTP path's limit (graphql.ts DEFAULT_MAX_TOKENS)
            const errors = validate(schema, parsed);
            doc = errors.length ? errors : parsed;
          } catch (err) {
            return [err instanceof GraphQLError ? err : new GraphQLError(String(err))];
          }
          if (documents.size >= DOCUMENT_CACHE) documents.delete(documents.keys().next().value!);
          documents.set(payload.query, doc);
        }
        if (Array.isArray(doc)) return doc;
        return { schema, document: doc as DocumentNode, operationName: payload.operationName, variableValues: payload.variables };
      },
    },
    wss,
  );
  return {
    async close() {
      for (const ws of wss.clients) ws.terminate();
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
