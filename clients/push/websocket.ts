// WebSocket subscriber with the ws client: reconnects with exponential backoff (the guide's
// 1, 2, 4, ... capped, reset after an open) and resumes with ?lastEventId=<newest id seen>.
// The server's pings feed the watchdog; ws answers them itself (autoPong).
import type net from 'node:net';
import { WebSocket } from 'ws';
import { canonicalUser, type UserJson } from '../../proto/contract.ts';
import { monoUs } from '../../servers/push/events.ts';
import { ReconnectingSubscriber } from './base.ts';
import { intField, scanEvents } from './extract.ts';
import type { CreateSubscriber } from './types.ts';

export class WebSocketSubscriber extends ReconnectingSubscriber {
  private ws: WebSocket | undefined;
  private generation = 0;

  protected openConnection(): void {
    const gen = ++this.generation;
    const resume = this.positioned ? `&lastEventId=${this.lastEventId}` : '';
    const ws = new WebSocket(`ws://${this.o.host}:${this.o.port}/v1/events?sub=${encodeURIComponent(this.o.id)}${resume}`, {
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
    ws.on('open', () => {
      if (gen === this.generation) this.opened();
    });
    ws.on('ping', () => this.touched());
    ws.on('message', (data: Buffer, isBinary) => {
      if (gen !== this.generation || isBinary) return;
      const recvUs = monoUs();
      this.touched();
      const text = data.toString('utf8');
      if (text.startsWith('{"hello"')) {
        this.position(intField(text, 'lastEventId'));
        return;
      }
      if (this.o.decode) {
        const e = JSON.parse(text) as { eventId: number; createdUs: number; user: UserJson };
        this.delivered(e.eventId, e.createdUs, recvUs, canonicalUser(e.user));
        return;
      }
      scanEvents(text, (id, createdUs) => this.delivered(id, createdUs, recvUs));
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

export const createSubscriber: CreateSubscriber = (o, sink) => new WebSocketSubscriber(o, sink);
