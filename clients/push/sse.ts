// SSE subscriber on a raw socket: a hand-written GET whose text/event-stream is de-chunked and
// parsed incrementally (clients/wire/sse-parser.ts), as an EventSource would:
// - the `retry:` field sets the reconnection delay (honoured; doubled only while attempts fail);
// - every reconnect sends Last-Event-ID with the newest id seen (or the position the server
//   gave with its first `id:`), and the server replays what was missed;
// - `: ka` comments only keep the watchdog fed: a stream silent for 1.5 heartbeat intervals is
//   treated as half-open and replaced.
import net from 'node:net';
import { canonicalUser, type UserJson } from '../../proto/contract.ts';
import { monoUs } from '../../servers/push/events.ts';
import { Dechunker, SseParser, type SseEvent } from '../wire/sse-parser.ts';
import { ReconnectingSubscriber } from './base.ts';
import { scanEvents } from './extract.ts';
import type { CreateSubscriber, SubscriberOptions, SubscriberSink } from './types.ts';

const CRLFCRLF = Buffer.from('\r\n\r\n');

/** A GET on a raw socket whose answer is an event stream; subclasses say what to ask and what an event means. */
export abstract class SseStreamSubscriber extends ReconnectingSubscriber {
  protected recvUs = 0;

  /** The request head to send on a new connection. */
  protected abstract requestHead(): string;
  protected abstract onSseEvent(ev: SseEvent): void;
  protected onRetry(_ms: number): void {}

  protected openConnection(): void {
    const no = ++this.connectionNo;
    const socket = net.connect({ host: this.o.host, port: this.o.port, localAddress: this.o.localAddress });
    this.attach(socket);
    socket.setNoDelay(true);
    let head: Buffer | undefined = Buffer.alloc(0);
    const parser = new SseParser({
      onEvent: (ev) => this.onSseEvent(ev),
      onRetry: (ms) => this.onRetry(ms),
    });
    let body: (b: Buffer) => void = (b) => parser.push(b);
    const teardown = (): void => {
      socket.destroy();
    };
    const gone = (reason: string): void => this.connectionEnded(no, reason, teardown);
    socket.on('connect', () => socket.write(this.requestHead()));
    socket.on('data', (chunk: Buffer) => {
      if (no !== this.connectionNo) return;
      this.recvUs = monoUs();
      this.touched();
      try {
        if (head) {
          const all: Buffer = head.length ? Buffer.concat([head, chunk]) : chunk;
          const end = all.indexOf(CRLFCRLF);
          if (end === -1) {
            if (all.length > 16 * 1024) return gone('response head too long');
            head = all;
            return;
          }
          const text = all.toString('latin1', 0, end);
          head = undefined;
          const status = Number(text.slice(9, 12));
          if (status !== 200 || !/\r\ncontent-type:\s*text\/event-stream/i.test(text))
            return gone(`HTTP ${status} instead of an event stream`);
          if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(text)) {
            const dechunker = new Dechunker(
              (b) => parser.push(b),
              () => gone('event stream ended'),
            );
            body = (b) => dechunker.push(b);
          }
          this.opened();
          if (all.length > end + 4) body(all.subarray(end + 4));
          return;
        }
        body(chunk);
      } catch (err) {
        gone(`bad event stream: ${(err as Error).message}`);
      }
    });
    this.endWithSocket(socket, gone, 'server closed the stream');
  }

  protected destroyConnection(): void {
    const s = this.socket;
    if (!s) return;
    s.destroy();
    this.cutNow();
  }
}

class SseSubscriber extends SseStreamSubscriber {
  private retryMs: number;

  constructor(o: SubscriberOptions, sink: SubscriberSink) {
    super(o, sink);
    this.retryMs = o.backoff.initialMs;
  }

  protected override reconnectBaseMs(): number {
    return this.retryMs;
  }

  protected override onRetry(ms: number): void {
    this.retryMs = ms;
  }

  protected requestHead(): string {
    const resume = this.positioned ? `Last-Event-ID: ${this.lastEventId}\r\n` : '';
    return `GET /v1/events?sub=${encodeURIComponent(this.o.id)} HTTP/1.1\r\nHost: ${this.o.host}:${this.o.port}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n${resume}\r\n`;
  }

  protected onSseEvent(ev: SseEvent): void {
    if (ev.type === 'user-updated') {
      const eventId = ev.hasId ? Number(ev.lastEventId) : NaN;
      if (this.o.decode) {
        const e = JSON.parse(ev.data) as { eventId: number; createdUs: number; user: UserJson };
        if (e.eventId !== eventId) throw new Error(`id: ${ev.lastEventId} but data says eventId ${e.eventId}`);
        this.delivered(e.eventId, e.createdUs, this.recvUs, canonicalUser(e.user));
        return;
      }
      scanEvents(ev.data, (id, createdUs) => this.delivered(Number.isFinite(eventId) ? eventId : id, createdUs, this.recvUs));
    } else if (ev.type === 'position' && ev.hasId) {
      this.position(Number(ev.lastEventId));
    }
  }
}

export const createSubscriber: CreateSubscriber = (o, sink) => new SseSubscriber(o, sink);
