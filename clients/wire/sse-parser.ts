// Pure, incremental parsers for the SSE client: an HTTP/1.1 chunked-body de-chunker and a
// text/event-stream parser (WHATWG HTML "Server-sent events", section "Parsing an event
// stream"). Both accept input split anywhere, down to one byte at a time, and keep no
// reference to the caller's buffers beyond an incomplete line / size line.

/** One dispatched event. */
export interface SseEvent {
  /** Event type; "message" when the event had no `event:` field. */
  type: string;
  /** Data lines joined with "\n" (the final newline removed, as the spec says). */
  data: string;
  /** UTF-8 byte length of `data` (the application payload of the event). */
  dataBytes: number;
  /**
   * The last event ID after this event, per the spec: it persists across events, so an event
   * without an `id:` line carries the previous one. Use `hasId` to know whether this event set it.
   */
  lastEventId: string;
  /** Whether this event carried its own `id:` field. */
  hasId: boolean;
}

export interface SseParserHandlers {
  onEvent(event: SseEvent): void;
  /** Comment lines (`: ka`), text after the colon with one leading space removed. */
  onComment?(text: string): void;
  /** A valid `retry:` field: reconnection time in milliseconds. */
  onRetry?(ms: number): void;
}

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
const EMPTY = Buffer.alloc(0);

/**
 * Incremental text/event-stream parser. Lines end with CRLF, LF or CR; a CR at the end of
 * one chunk followed by LF at the start of the next is one line ending, not two.
 * Lines are split on bytes: CR and LF never occur inside a multi-byte UTF-8 sequence, so a
 * complete line can be decoded on its own.
 */
export class SseParser {
  private rest: Buffer = EMPTY;
  /** The previous chunk ended with CR: an LF at the start of the next chunk belongs to it. */
  private skipLf = false;
  private bomChecked = false;
  private eventType = '';
  private data = '';
  private dataBytes = 0;
  private hasData = false;
  private lastEventId = '';
  private hasId = false;

  constructor(private readonly handlers: SseParserHandlers) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const buf = this.rest.length === 0 ? chunk : Buffer.concat([this.rest, chunk]);
    this.rest = EMPTY;
    let pos = 0;
    if (this.skipLf) {
      this.skipLf = false;
      if (buf[0] === LF) pos = 1;
    }
    if (!this.bomChecked) {
      // A UTF-8 BOM may open the stream; wait until 3 bytes are here to decide.
      if (buf.length - pos < 3 && isBomPrefix(buf, pos)) {
        this.rest = Buffer.from(buf.subarray(pos)); // a copy: the caller may reuse its buffer
        return;
      }
      this.bomChecked = true;
      if (buf[pos] === 0xef && buf[pos + 1] === 0xbb && buf[pos + 2] === 0xbf) pos += 3;
    }
    const len = buf.length;
    // Native indexOf for both terminators; the CR position is cached because a stream
    // normally has none, and re-scanning for it on every line would be quadratic.
    let cr = buf.indexOf(CR, pos);
    while (pos < len) {
      const lf = buf.indexOf(LF, pos);
      if (cr !== -1 && cr < pos) cr = buf.indexOf(CR, pos);
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        end = cr;
        if (cr + 1 < len) {
          next = buf[cr + 1] === LF ? cr + 2 : cr + 1;
        } else {
          // CR is the last byte: the line is complete, but an LF may follow in the next chunk.
          next = len;
          this.skipLf = true;
        }
      } else if (lf !== -1) {
        end = lf;
        next = lf + 1;
      } else {
        break;
      }
      this.line(buf, pos, end);
      pos = next;
    }
    // Copy the partial line: the caller may reuse its buffer.
    if (pos < len) this.rest = Buffer.from(buf.subarray(pos));
  }

  /** End of stream: an event without its terminating blank line is discarded (spec). */
  end(): void {
    this.rest = EMPTY;
    this.resetEvent();
  }

  private resetEvent(): void {
    this.eventType = '';
    this.data = '';
    this.dataBytes = 0;
    this.hasData = false;
    this.hasId = false;
  }

  private line(buf: Buffer, start: number, end: number): void {
    if (start === end) return this.dispatch();
    if (buf[start] === COLON) {
      const from = buf[start + 1] === SPACE ? start + 2 : start + 1;
      this.handlers.onComment?.(buf.toString('utf8', from, end));
      return;
    }
    let colon = buf.indexOf(COLON, start);
    if (colon === -1 || colon > end) colon = end;
    let vStart = colon === end ? end : colon + 1;
    if (vStart < end && buf[vStart] === SPACE) vStart++;
    const field = buf.toString('latin1', start, colon);
    switch (field) {
      case 'data':
        // The spec appends value + LF and strips the final LF at dispatch; joining is the same.
        this.data = this.hasData ? this.data + '\n' + buf.toString('utf8', vStart, end) : buf.toString('utf8', vStart, end);
        this.dataBytes += (this.hasData ? 1 : 0) + (end - vStart);
        this.hasData = true;
        return;
      case 'event':
        this.eventType = buf.toString('utf8', vStart, end);
        return;
      case 'id': {
        // An id containing NUL is ignored (spec); buf.indexOf(0) bounds it to the line.
        const nul = buf.indexOf(0, vStart);
        if (nul !== -1 && nul < end) return;
        this.lastEventId = buf.toString('utf8', vStart, end);
        this.hasId = true;
        return;
      }
      case 'retry': {
        if (vStart === end) return;
        for (let i = vStart; i < end; i++) {
          const c = buf[i] as number;
          if (c < 0x30 || c > 0x39) return;
        }
        this.handlers.onRetry?.(Number(buf.toString('latin1', vStart, end)));
        return;
      }
      default:
        return; // unknown fields are ignored
    }
  }

  private dispatch(): void {
    // No data lines: nothing to dispatch, but the event type and data buffers reset. The
    // last event ID set by an id-only event does persist (spec).
    if (!this.hasData) return this.resetEvent();
    const event: SseEvent = {
      type: this.eventType === '' ? 'message' : this.eventType,
      data: this.data,
      dataBytes: this.dataBytes,
      lastEventId: this.lastEventId,
      hasId: this.hasId,
    };
    this.resetEvent();
    this.handlers.onEvent(event);
  }
}

function isBomPrefix(buf: Buffer, pos: number): boolean {
  const bom = [0xef, 0xbb, 0xbf];
  for (let i = pos; i < buf.length; i++) if (buf[i] !== bom[i - pos]) return false;
  return true;
}

const enum ChunkState {
  Size,
  Data,
  DataCrlf,
  Trailer,
  Done,
}

/**
 * Incremental decoder for an HTTP/1.1 chunked body. Emits body bytes as zero-copy slices of
 * the input (valid until the caller reuses its buffer, so consumers must not keep them).
 * Chunk extensions (`;name=value`) and trailers are accepted and dropped.
 */
export class Dechunker {
  private state = ChunkState.Size;
  /** Partial size line (or trailer line) across chunk boundaries; short, so a string. */
  private lineBuf = '';
  private remaining = 0;
  /** Bytes of the CRLF after a chunk's data still to consume (a split may leave 1). */
  private crlfLeft = 0;

  constructor(
    private readonly onData: (body: Buffer) => void,
    private readonly onEnd: () => void = () => {},
  ) {}

  get done(): boolean {
    return this.state === ChunkState.Done;
  }

  push(chunk: Buffer): void {
    let pos = 0;
    const len = chunk.length;
    while (pos < len) {
      switch (this.state) {
        case ChunkState.Size:
        case ChunkState.Trailer: {
          const lf = chunk.indexOf(LF, pos);
          if (lf === -1) {
            this.lineBuf += chunk.toString('latin1', pos, len);
            if (this.lineBuf.length > 4096) throw new Error('chunk size line too long');
            return;
          }
          let line = this.lineBuf + chunk.toString('latin1', pos, lf);
          this.lineBuf = '';
          pos = lf + 1;
          if (line.endsWith('\r')) line = line.slice(0, -1);
          if (this.state === ChunkState.Trailer) {
            // Trailer fields until the empty line that ends the body.
            if (line === '') {
              this.state = ChunkState.Done;
              this.onEnd();
              return;
            }
            break;
          }
          const semi = line.indexOf(';');
          const hex = (semi === -1 ? line : line.slice(0, semi)).trim();
          if (!/^[0-9a-fA-F]+$/.test(hex)) throw new Error(`bad chunk size ${JSON.stringify(line.slice(0, 20))}`);
          const size = parseInt(hex, 16);
          if (size === 0) {
            this.state = ChunkState.Trailer;
          } else {
            this.remaining = size;
            this.state = ChunkState.Data;
          }
          break;
        }
        case ChunkState.Data: {
          const take = Math.min(this.remaining, len - pos);
          this.onData(chunk.subarray(pos, pos + take));
          pos += take;
          this.remaining -= take;
          if (this.remaining === 0) {
            this.state = ChunkState.DataCrlf;
            this.crlfLeft = 2;
          }
          break;
        }
        case ChunkState.DataCrlf: {
          const expected = this.crlfLeft === 2 ? CR : LF;
          if (chunk[pos] !== expected) throw new Error('missing CRLF after chunk data');
          pos++;
          if (--this.crlfLeft === 0) this.state = ChunkState.Size;
          break;
        }
        case ChunkState.Done:
          // Bytes after the last chunk belong to a next response; an event stream has none.
          return;
      }
    }
  }
}
