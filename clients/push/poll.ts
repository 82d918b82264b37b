// HTTP polling subscribers on one keep-alive raw socket each (servers/push/polling.ts):
// - short polling: GET /v1/poll?after=N every pollIntervalMs (timed from each poll's start;
//   the first at a random phase so thousands of subscribers do not poll in lock-step; a poll
//   still unanswered when the next is due delays it rather than piling up);
// - long polling: GET /v1/poll?after=N&wait=1 again as soon as the previous one is answered.
// The first poll (no `after`) only learns the position. Polls answered with no event are
// reported with their bytes: that is what polling pays to hear "nothing new". A lost
// connection is reopened with backoff; the position survives it, so polling resumes for free.
import net from 'node:net';
import { canonicalUser, type UserJson } from '../../proto/contract.ts';
import { monoUs } from '../../servers/push/events.ts';
import { parseResponse } from '../wire/http1.ts';
import { ReconnectingSubscriber } from './base.ts';
import { intField, scanEvents } from './extract.ts';
import type { CreateSubscriber, SubscriberOptions, SubscriberSink } from './types.ts';

export class PollSubscriber extends ReconnectingSubscriber {
  private timer: NodeJS.Timeout | undefined;
  /** performance.now() at which the next short poll is due. */
  private nextDueMs = 0;

  constructor(
    o: SubscriberOptions,
    sink: SubscriberSink,
    private readonly long: boolean,
  ) {
    super(o, sink);
  }

  protected openConnection(): void {
    const no = ++this.connectionNo;
    const socket = net.connect({ host: this.o.host, port: this.o.port, localAddress: this.o.localAddress });
    this.attach(socket);
    socket.setNoDelay(true);
    let buf: Buffer = Buffer.alloc(0);
    let sentBytes = 0;
    let first = true;
    const teardown = (): void => {
      clearTimeout(this.timer);
      socket.destroy();
    };
    const gone = (reason: string): void => this.connectionEnded(no, reason, teardown);
    const poll = (): void => {
      if (no !== this.connectionNo) return;
      const q = this.positioned ? `?after=${this.lastEventId}${this.long ? '&wait=1' : ''}` : '';
      const req = `GET /v1/poll${q} HTTP/1.1\r\nHost: ${this.o.host}:${this.o.port}\r\n\r\n`;
      sentBytes = req.length;
      socket.write(req);
    };
    const scheduleShort = (): void => {
      const now = performance.now();
      this.nextDueMs = Math.max(this.nextDueMs + this.o.pollIntervalMs, now);
      this.timer = setTimeout(poll, this.nextDueMs - now);
    };
    socket.on('connect', poll);
    socket.on('data', (chunk: Buffer) => {
      if (no !== this.connectionNo) return;
      const recvUs = monoUs();
      this.touched();
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      let res;
      try {
        res = parseResponse(buf);
      } catch (err) {
        return gone(`bad response: ${(err as Error).message}`);
      }
      if (!res) return;
      buf = buf.subarray(res.wireBytes);
      if (res.status !== 200) return gone(`HTTP ${res.status}`);
      const text = res.body.toString('utf8');
      const positionPoll = first;
      if (first) {
        first = false;
        if (!this.positioned) this.position(intField(text, 'last'));
        this.opened();
        if (!this.long) {
          // Random phase: subscribers started together must not poll together.
          this.nextDueMs = performance.now() + Math.random() * this.o.pollIntervalMs - this.o.pollIntervalMs;
        }
      }
      let found = 0;
      if (this.o.decode) {
        const body = JSON.parse(text) as { events: { eventId: number; createdUs: number; user: UserJson }[] };
        for (const e of body.events) this.delivered(e.eventId, e.createdUs, recvUs, canonicalUser(e.user));
        found = body.events.length;
      } else {
        found = scanEvents(text, (id, createdUs) => this.delivered(id, createdUs, recvUs));
      }
      if (found === 0 && !positionPoll) this.sink.emptyPoll?.(recvUs, sentBytes, res.wireBytes);
      if (this.long) poll();
      else scheduleShort();
    });
    this.endWithSocket(socket, gone, 'server closed the connection');
  }

  protected destroyConnection(): void {
    const s = this.socket;
    if (!s) return;
    clearTimeout(this.timer);
    s.destroy();
    this.cutNow();
  }
}

export const createShortPollSubscriber: CreateSubscriber = (o, sink) => new PollSubscriber(o, sink, false);
export const createLongPollSubscriber: CreateSubscriber = (o, sink) => new PollSubscriber(o, sink, true);
