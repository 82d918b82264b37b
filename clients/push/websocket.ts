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

/** A subscription on one ws connection per attempt; subclasses say where to connect and what a message means. */
export abstract class WebSocketStreamSubscriber extends ReconnectingSubscriber {
  private ws: WebSocket | undefined;

  /** This attempt's URL (it may carry the resume position). */
  protected abstract url(): string;
  /** The subprotocol to ask for, if any. */
  protected subprotocol(): string | undefined {
    return undefined;
  }
  /** The current connection is open (its 101 came back). */
  protected abstract onOpen(): void;
  /** A message on the current connection, read at recvUs; end(reason) drops the connection. */
  protected abstract onMessage(data: Buffer, isBinary: boolean, recvUs: number, end: (reason: string) => void): void;

  protected openConnection(): void {
    const no = ++this.connectionNo;
    const ws = new WebSocket(this.url(), this.subprotocol(), {
      localAddress: this.o.localAddress,
      perMessageDeflate: false,
      handshakeTimeout: this.o.connectTimeoutMs,
    });
    this.ws = ws;
    const teardown = (): void => ws.terminate();
    const end = (reason: string): void => this.connectionEnded(no, reason, teardown);
    ws.on('upgrade', (res) => {
      const socket = res.socket as net.Socket;
      socket.setNoDelay(true);
      this.attach(socket);
    });
    ws.on('open', () => {
      if (no === this.connectionNo) this.onOpen();
    });
    ws.on('ping', () => this.touched());
    ws.on('message', (data: Buffer, isBinary) => {
      if (no !== this.connectionNo) return;
      const recvUs = monoUs();
      this.touched();
      this.onMessage(data, isBinary, recvUs, end);
    });
    ws.on('error', (err) => end(err.message));
    ws.on('close', (code) => end(`closed (${code})`));
  }

  /** Send a text message on the current connection. */
  protected send(text: string): void {
    this.ws?.send(text);
  }

  protected destroyConnection(): void {
    const ws = this.ws;
    if (!ws) return;
    ws.terminate();
    this.cutNow();
  }
}

export class WebSocketSubscriber extends WebSocketStreamSubscriber {
  protected url(): string {
    const resume = this.positioned ? `&lastEventId=${this.lastEventId}` : '';
    return `ws://${this.o.host}:${this.o.port}/v1/events?sub=${encodeURIComponent(this.o.id)}${resume}`;
  }

  protected onOpen(): void {
    this.opened();
  }

  protected onMessage(data: Buffer, isBinary: boolean, recvUs: number): void {
    if (isBinary) return;
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
  }
}

export const createSubscriber: CreateSubscriber = (o, sink) => new WebSocketSubscriber(o, sink);
