// GraphQL subscription over graphql-yoga's SSE transport: GET /graphql?query=subscription...
// with Accept: text/event-stream, events `next` (the execution result) and `complete`.
// GraphQL subscriptions have no resume: a reconnect subscribes afresh, live from then on,
// so whatever was emitted while disconnected is lost (and counted so).
import { canonicalUser, type UserJson } from '../../proto/contract.ts';
import { USER_UPDATED_SUBSCRIPTION } from '../../servers/push/graphql-common.ts';
import type { SseEvent } from '../wire/sse-parser.ts';
import { scanEvents } from './extract.ts';
import { SseStreamSubscriber } from './sse.ts';
import type { CreateSubscriber } from './types.ts';

const QUERY = encodeURIComponent(USER_UPDATED_SUBSCRIPTION);

class GraphqlSseSubscriber extends SseStreamSubscriber {
  protected requestHead(): string {
    return `GET /graphql?query=${QUERY} HTTP/1.1\r\nHost: ${this.o.host}:${this.o.port}\r\nAccept: text/event-stream\r\n\r\n`;
  }

  protected onSseEvent(ev: SseEvent): void {
    if (ev.type !== 'next') return;
    if (this.o.decode) {
      const r = JSON.parse(ev.data) as {
        data?: { userUpdated?: { eventId: number; createdUs: number; user: UserJson } };
        errors?: unknown;
      };
      const e = r.data?.userUpdated;
      if (!e) throw new Error(`subscription result without data: ${ev.data.slice(0, 200)}`);
      this.delivered(e.eventId, e.createdUs, this.recvUs, canonicalUser(e.user));
      return;
    }
    scanEvents(ev.data, (id, createdUs) => this.delivered(id, createdUs, this.recvUs));
  }
}

export const createSubscriber: CreateSubscriber = (o, sink) => new GraphqlSseSubscriber(o, sink);
