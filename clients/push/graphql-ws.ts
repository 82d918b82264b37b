// GraphQL subscription over graphql-ws (graphql-transport-ws protocol) on a ws client:
// connection_init -> connection_ack -> subscribe; events are `next` messages. Spoken
// directly (a few JSON messages) rather than with graphql-ws's createClient, which adds a
// client state machine per subscriber; the wire is the same. No resume (see graphql-sse.ts).
import type net from 'node:net';
import { WebSocket } from 'ws';
import { canonicalUser, type UserJson } from '../../proto/contract.ts';
import { monoUs } from '../../servers/push/events.ts';
import { USER_UPDATED_SUBSCRIPTION } from '../../servers/push/graphql-common.ts';
import { ReconnectingSubscriber } from './base.ts';
import { scanEvents } from './extract.ts';
import type { CreateSubscriber } from './types.ts';

const INIT = JSON.stringify({ type: 'connection_init' });
const SUBSCRIBE = JSON.stringify({ id: '1', type: 'subscribe', payload: { query: USER_UPDATED_SUBSCRIPTION } });

class GraphqlWsSubscriber extends ReconnectingSubscriber {
  private ws: WebSocket | undefined;
  private generation = 0;

  protected openConnection(): void {
    const gen = ++this.generation;
    const ws = new WebSocket(`ws://${this.o.host}:${this.o.port}/graphql`, 'graphql-transport-ws', {
      localAddress: this.o.localAddress,
      perMessageDeflate: false,
      handshakeTimeout: this.o.connectTimeoutMs,
    });
    this.ws = ws;
    const gone = (reason: string): void => {
      if (gen !== this.generation) return;
      this.generation++;
      ws.terminate();
      this.lost(reason);
    };
    ws.on('upgrade', (res) => {
      const socket = res.socket as net.Socket;
      socket.setNoDelay(true);
      this.attach(socket);
    });
    ws.on('open', () => ws.send(INIT));
    ws.on('ping', () => this.touched());
    ws.on('message', (data: Buffer) => {
      if (gen !== this.generation) return;
      const recvUs = monoUs();
      this.touched();
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
        ws.send(SUBSCRIBE);
        // The subscription is registered when the server reads it; nothing acknowledges it.
        this.opened();
      } else if (m.type === 'ping') ws.send('{"type":"pong"}');
      else if (m.type === 'error' || m.type === 'complete')
        gone(`subscription ${m.type}: ${JSON.stringify(m.payload ?? null).slice(0, 200)}`);
    });
    ws.on('error', (err) => gone(err.message));
    ws.on('close', (code) => gone(`closed (${code})`));
  }

  protected destroyConnection(): void {
    const ws = this.ws;
    if (!ws) return;
    const gen = this.generation;
    ws.terminate();
    queueMicrotask(() => {
      if (gen === this.generation) {
        this.generation++;
        this.lost('cut');
      }
    });
  }
}

export const createSubscriber: CreateSubscriber = (o, sink) => new GraphqlWsSubscriber(o, sink);
