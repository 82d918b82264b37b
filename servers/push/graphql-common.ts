// The GraphQL side of the push servers: the contract's schema plus a subscription to
// user-updated events, fed from the EventLog through graphql-yoga's pubsub. Both GraphQL
// transports (yoga's SSE and graphql-ws) serve this one schema. GraphQL executes the
// subscription's selection set once per event per subscriber: that per-subscriber work is
// the protocol's, not something this harness adds.
import { createPubSub, createSchema } from 'graphql-yoga';
import type { GraphQLSchema } from 'graphql';
import { USER_SCHEMA_SDL } from '../graphql-schema.ts';
import type { EventLog, UserEvent } from './events.ts';

export const PUSH_SCHEMA_SDL = /* GraphQL */ `
  ${USER_SCHEMA_SDL}

  type UserEvent {
    "1, 2, 3, ... in emission order"
    eventId: Int!
    "CLOCK_MONOTONIC microseconds at creation"
    createdUs: Float!
    user: User!
  }

  type Subscription {
    "every user-updated event from the moment of subscribing"
    userUpdated: UserEvent!
  }
`;

/** What the subscribers ask for: the whole user, eventId and createdUs first. */
export const USER_UPDATED_SUBSCRIPTION =
  'subscription { userUpdated { eventId createdUs user { id username email age roles address { street city country postalCode } createdAt } } }';

export function pushSchema(log: EventLog): { schema: GraphQLSchema; stop: () => void } {
  const pubSub = createPubSub<{ userUpdated: [UserEvent] }>();
  const stop = log.subscribe((e) => pubSub.publish('userUpdated', e));
  const schema = createSchema({
    typeDefs: PUSH_SCHEMA_SDL,
    resolvers: {
      Subscription: {
        userUpdated: {
          subscribe: () => pubSub.subscribe('userUpdated'),
          resolve: (e: UserEvent) => e,
        },
      },
    },
  });
  return { schema, stop };
}
