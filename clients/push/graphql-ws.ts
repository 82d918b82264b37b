// GraphQL subscription over graphql-ws (graphql-transport-ws protocol) on a ws client:
// connection_init -> connection_ack -> subscribe; events are `next` messages. Spoken
// directly (a few JSON messages) rather than with graphql-ws's createClient, which adds a
// client state machine per subscriber; the wire is the same. No resume (see graphql-sse.ts).
import { canonicalUser, type UserJson } from '../../proto/contract.ts';
import { USER_UPDATED_SUBSCRIPTION } from '../../servers/push/graphql-common.ts';
import { scanEvents } from './extract.ts';
import type { CreateSubscriber } from './types.ts';
import { WebSocketStreamSubscriber } from './websocket.ts';

const INIT = JSON.stringify({ type: 'connection_init' });
const SUBSCRIBE = JSON.stringify({ id: '1', type: 'subscribe', payload: { query: USER_UPDATED_SUBSCRIPTION } });

class GraphqlWsSubscriber extends WebSocketStreamSubscriber {
  protected url(): string {
    return `ws://${this.o.host}:${this.o.port}/graphql`;
  }

  protected override subprotocol(): string {
    return 'graphql-transport-ws';
  }

  protected onOpen(): void {
    this.send(INIT);
  }

  protected onMessage(data: Buffer, _isBinary: boolean, recvUs: number, end: (reason: string) => void): void {
    const text = data.toString('utf8');
    if (text.includes('"eventId":')) {
      if (this.o.decode) {
        const m = JSON.parse(text) as {
          payload: { data: { userUpdated: { eventId: number; createdUs: number; user: UserJson } } };
        };
        const e = m.payload.data.userUpdated;
        this.delivered(e.eventId, e.createdUs, recvUs, canonicalUser(e.user));
        return;
      }
      scanEvents(text, (id, createdUs) => this.delivered(id, createdUs, recvUs));
      return;
    }
    const m = JSON.parse(text) as { type: string; payload?: unknown };
    if (m.type === 'connection_ack') {
      this.send(SUBSCRIBE);
      // The subscription is registered when the server reads it; nothing acknowledges it.
      this.opened();
    } else if (m.type === 'ping') this.send('{"type":"pong"}');
    else if (m.type === 'error' || m.type === 'complete')
      end(`subscription ${m.type}: ${JSON.stringify(m.payload ?? null).slice(0, 200)}`);
  }
}

export const createSubscriber: CreateSubscriber = (o, sink) => new GraphqlWsSubscriber(o, sink);
